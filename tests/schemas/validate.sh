#!/bin/sh
# Validates a results file and a Gradescope results.json against their
# schemas with ajv (JSON Schema draft-07), one line per file.
#
#   tests/schemas/validate.sh RESULTS GRADESCOPE
#
# Exits 0 when both files are valid, 1 otherwise (including when ajv cannot
# be run). ajv-cli comes from the npm registry through npx; set AJV to
# another command (for example a preinstalled "ajv") to run that instead.
set -u

schemas=$(cd "$(dirname "$0")" && pwd)
ajv=${AJV:-npx --yes ajv-cli@5}

if [ $# -ne 2 ]; then
  echo "usage: $0 RESULTS GRADESCOPE" >&2
  exit 1
fi

status=0

# check FILE SCHEMA: prints "FILE: valid (SCHEMA)" or "FILE: invalid: why".
check() {
  file=$1
  schema=$schemas/$2
  if [ ! -r "$file" ]; then
    echo "$file: cannot read the file"
    status=1
    return
  fi
  # shellcheck disable=SC2086 # $ajv is a command with its arguments
  out=$($ajv validate --spec=draft7 --all-errors --errors=text \
    -s "$schema" -d "$file" 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "$file: valid ($2)"
  else
    # ajv's last line names the problems; keep the output on one line.
    why=$(printf '%s\n' "$out" | grep -v '^npm ' | tail -n 1 | tr -d '\r')
    echo "$file: invalid ($2): ${why:-ajv exited with status $rc}"
    status=1
  fi
}

check "$1" results.schema.json
check "$2" gradescope-results.schema.json
exit $status
