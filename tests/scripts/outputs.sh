#!/usr/bin/env bash
# Checks the outputs of this selftest run against their consumers: what
# selftest kept in build/selftest/outputs/ for the starters (a fresh
# clone), the reference solutions and every known submission (compile
# errors, leaks, crashes, hostile text...). Each JUnit file is validated
# against tests/schemas/junit.xsd (the subset of junit-10.xsd the grader
# writes) and read by two parsers nobody here wrote, junitparser and
# test-results-parser, whose totals must be the grader's; results files
# and Gradescope files pass their JSON schemas (ajv); locations are
# repository paths; no output holds a control character; every annotation
# line is a workflow command.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"
cd "$root" || exit 1

outputs=build/selftest/outputs
folders=()
for f in "$outputs/starters" "$outputs/solutions" "$outputs"/submissions/*; do
  [ -f "$f/results.json" ] && folders+=("$f")
done
kept() {
  [ -d "$outputs/starters" ] && [ -d "$outputs/solutions" ] &&
    [ -d "$outputs/submissions/compile-error" ] &&
    [ -d "$outputs/submissions/leak" ] &&
    [ -d "$outputs/submissions/attack-hostile-text" ]
}
check "selftest kept the outputs of the starters, the solutions and ${#folders[@]} gradings in all (run by ./senior-check selftest)" kept
[ ${#folders[@]} -gt 0 ] || exit 0

junit_schema() {
  local f failed=0
  for f in "${folders[@]}"; do
    if ! xmllint --noout --schema tests/schemas/junit.xsd "$f/junit.xml" \
      2>"$f/xmllint.log"; then
      sed 's/^/# /' "$f/xmllint.log" | head -n 5
      failed=1
    fi
    rm -f "$f/xmllint.log"
  done
  return $failed
}
check "every junit.xml passes tests/schemas/junit.xsd, junit-10.xsd's rules (xmllint)" junit_schema

json_schemas() {
  local results=() gradescope=() f out
  for f in "${folders[@]}"; do
    results+=(-d "$f/results.json")
    gradescope+=(-d "$f/gradescope.json")
  done
  out=$(npx --yes ajv-cli@5 validate --spec=draft7 --all-errors \
    -s tests/schemas/results.schema.json "${results[@]}" 2>&1 &&
    npx --yes ajv-cli@5 validate --spec=draft7 --all-errors \
      -s tests/schemas/gradescope-results.schema.json "${gradescope[@]}" 2>&1)
  local rc=$?
  [ $rc -eq 0 ] || printf '%s\n' "$out" | grep -v ' valid$' | head -n 10 |
    sed 's/^/# /'
  return $rc
}
check "every results.json and gradescope.json passes its JSON schema (ajv)" json_schemas

check "junitparser reads every JUnit file with the grader's totals; locations are repository files; Gradescope outputs have no CR and stay bounded; no control byte in any output; annotations are workflow commands only" \
  /usr/bin/python3 tests/scripts/lib/junit_totals.py "$root" "${folders[@]}"

# test-results-parser comes from the npm registry, as ajv and xunit-viewer
# do, into a folder of the build tree.
node_dir=build/selftest/node
test_results_parser() {
  if [ ! -d "$node_dir/node_modules/test-results-parser" ]; then
    mkdir -p "$node_dir" &&
      npm install --silent --no-save --no-audit --no-fund --prefix "$node_dir" \
        test-results-parser@0.4.6 >/dev/null 2>&1 || {
      echo "# cannot install test-results-parser from the npm registry"
      return 1
    }
  fi
  NODE_PATH="$node_dir/node_modules" node tests/scripts/lib/junit_totals.js \
    "${folders[@]}"
}
check "test-results-parser reads every JUnit file with the grader's totals (skipped apart, passed exact)" test_results_parser
