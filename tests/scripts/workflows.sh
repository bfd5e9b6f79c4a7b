#!/usr/bin/env bash
# Lints the GitHub workflows offline with @action-validator/cli (from the
# npm registry), and checks the rule the grading workflow depends on: it
# runs on pull_request, never pull_request_target.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
validator=@action-validator/cli@0.6.0
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

lint() {
  local out
  out=$(cd "$(mktemp -d)" && npx --yes "$validator" "$1" 2>&1) && return 0
  printf '# %s\n' "$out" | head -n 20
  return 1
}

for workflow in "$root"/.github/workflows/*.yml; do
  check "$(basename "$workflow") passes the workflow linter" lint "$workflow"
done
check "grade.yml runs on pull_request, never pull_request_target" \
  eval "grep -q '^  pull_request:' '$root/.github/workflows/grade.yml' &&
        ! grep -q '^ *pull_request_target' '$root/.github/workflows/grade.yml'"
