#!/usr/bin/env bash
# Lints the GitHub workflows offline with @action-validator/cli (from the
# npm registry), and checks the rules the grading workflow depends on
# (docs/grading-in-ci.md): the pull request steers nothing that runs.
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
grade=$root/.github/workflows/grade.yml
check "grade.yml runs from the base branch (pull_request_target), never on pull_request" \
  eval "grep -q '^  pull_request_target:' '$grade' && ! grep -q '^  pull_request:' '$grade'"
check "every checkout of grade.yml is the base's, but the one into learner/ (data)" \
  eval "[ \$(grep -c 'ref: \${{ github.event.pull_request.base.sha }}' '$grade') = 4 ] &&
        [ \$(grep -c 'uses: actions/checkout@' '$grade') = 5 ] &&
        grep -B4 'path: learner' '$grade' | grep -q 'head.sha'"
check "no checkout keeps its credentials" \
  eval "[ \$(grep -c 'persist-credentials: false' '$grade') = \$(grep -c 'uses: actions/checkout@' '$grade') ]"
check "the token is read-only, and no secret is named" \
  eval "grep -q '^  contents: read' '$grade' && ! grep -q 'secrets\.' '$grade' &&
        ! grep -qE '^ *(contents|pull-requests|issues|actions): write' '$grade'"
check "the head is only read with --repo: nothing under learner/ is run" \
  eval "! grep -qE '(\./|bash |sh )learner/' '$grade' && grep -q -- '--repo \"learner@' '$grade'"
check "every action is pinned by a full commit SHA" \
  eval "! grep -hE 'uses: ' '$root'/.github/workflows/*.yml | grep -vqE '@[0-9a-f]{40} # v'"
check "every job has a timeout" \
  eval "[ \$(grep -c 'timeout-minutes:' '$grade') = \$(grep -cE '^  [a-z]+:$' <(sed -n '/^jobs:/,\$p' '$grade')) ]"

# job NAME FILE: the lines of job NAME in the workflow FILE.
job() { sed -n "/^  $1:\$/,/^  [a-z]*:\$/p" "$2"; }
check "the score job runs the static grader of the grader job, with no sudo and no package" \
  eval "job score '$grade' | grep -q 'name: grader' &&
        job score '$grade' | grep -q 'grader-bin/senior-check-grader merge' &&
        ! job score '$grade' | grep -qE 'sudo|apt-get'"
check "the grader job checks out the base and runs nothing of the head" \
  eval "job grader '$grade' | grep -q 'base.sha' && ! job grader '$grade' | grep -q 'head\.'"
packages=$root/.github/workflows/packages.yml
check "grading jobs only restore the package cache; packages.yml, which runs on main only, writes it" \
  eval "! grep -qE 'actions/cache(/save)?@' '$grade' && grep -q 'actions/cache/restore@' '$grade' &&
        grep -q 'actions/cache/save@' '$packages' &&
        ! grep -qE '^  pull_request(_target)?:' '$packages'"
check "a cached package is used only when its SHA-256 is the signed index's" \
  eval "job grade '$grade' | grep -q 'sha256sum' && job grade '$grade' | grep -q 'apt-cache show'"
