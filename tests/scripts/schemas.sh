#!/usr/bin/env bash
# Validates the outputs against their consumers' schemas: a results file
# and a Gradescope results.json written by a real grading of the fixture
# kata, checked with ajv (tests/schemas/validate.sh), and the JUnit file
# checked with xmllint against tests/schemas/junit.xsd.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
checks=0

check() { # check DESCRIPTION COMMAND...
  local description=$1
  shift
  checks=$((checks + 1))
  if "$@"; then
    echo "ok $checks - $description"
  else
    echo "not ok $checks - $description"
  fi
}

cd "$root" || exit 1
./senior-check grade --katas tests/fixtures/katas 00-sum \
  --from tests/submissions/leak --json "$out/results.json" \
  --format "junit=$out/junit.xml" --format "gradescope=$out/gradescope.json" \
  --format "github=$out/summary.md" >"$out/grade.log" 2>&1

validate() {
  local report
  report=$(bash tests/schemas/validate.sh "$out/results.json" \
    "$out/gradescope.json" 2>&1)
  local rc=$?
  printf '%s\n' "$report" | sed 's/^/# /'
  return $rc
}
check "the results file and Gradescope's results.json pass their JSON schemas (ajv)" validate
junit() {
  xmllint --noout --schema tests/schemas/junit.xsd "$out/junit.xml" 2>&1 |
    sed 's/^/# /'
  return "${PIPESTATUS[0]}"
}
check "the JUnit file passes tests/schemas/junit.xsd (xmllint)" junit
check "the job summary shows the score and the lost points" \
  grep -q '^## senior-check: 85/100' "$out/summary.md"
