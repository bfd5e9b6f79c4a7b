#!/usr/bin/env bash
# Integrity under a trusted ref. On a clone of this repository, a learner's
# branch that weakens a kata's tests, raises a threshold, edits the grader or
# edits the CI workflow gets, with --trusted-ref, the score the base gives
# its code, and a finding naming the changed file. Without --trusted-ref the
# same edits would have raised the score, and the results say "unofficial".
#
# Prints one "ok N - ..." or "not ok N - ..." line per check (selftest
# counts them). Needs git and jq.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

git clone -q "$root" "$work/repo" || exit 1
cd "$work/repo" || exit 1
git config user.email learner@example.invalid
git config user.name learner
base=$(git rev-parse HEAD)
kata=tests/fixtures/katas/00-sum

# grade OUT [OPTIONS...]: grades the fixture kata into the results file OUT.
grade() {
  local out=$1
  shift
  ./senior-check grade --katas tests/fixtures/katas 00-sum --json "$out" \
    "$@" >"$out.log" 2>&1
  [ -s "$out" ] || { echo "# no results: $(tail -n 3 "$out.log")"; return 1; }
}
score() { jq -r .score "$1"; }
has_finding() { jq -e --arg p "$2" 'any(.findings[]; .path == $p)' "$1" >/dev/null; }
is_official() { jq -e .official "$1" >/dev/null; }

# scenario NAME CODE EDIT-FUNCTION CHANGED-PATH
scenario() {
  local name=$1 code=$2 edit=$3 changed=$4
  git checkout -q -B "$name" "$base"
  cp "tests/submissions/$code/00-sum/sum.c" "$kata/sum.c"
  git commit -qam "my sum.c"
  grade "$work/$name-base.json" --trusted-ref "$base"
  local honest
  honest=$(score "$work/$name-base.json")
  "$edit"
  git commit -qam "$name"
  grade "$work/$name-untrusted.json"
  grade "$work/$name-trusted.json" --trusted-ref "$base"
  local trusted untrusted
  trusted=$(score "$work/$name-trusted.json")
  untrusted=$(score "$work/$name-untrusted.json")
  check "$name: with --trusted-ref the score stays $honest (got $trusted)" \
    eval "[ -n '$honest' ] && [ '$trusted' = '$honest' ]"
  check "$name: the finding names $changed" \
    has_finding "$work/$name-trusted.json" "$changed"
  check "$name: trusted results are official" \
    is_official "$work/$name-trusted.json"
  if [ "$name" != edits-the-workflow ]; then
    check "$name: without a trusted ref the edit would raise it ($untrusted > $honest), unofficially" \
      eval "[ '$untrusted' -gt '$honest' ] && ! is_official '$work/$name-untrusted.json'"
  fi
}

weaken_tests() { # the only test that frees sum_format's text goes
  sed -i '/cmocka_unit_test(test_sum_format_writes_the_sum)/d' "$kata/test_sum.c"
}
raise_threshold() {
  sed -i 's/"max": 4.5/"max": 40/' "$kata/kata.json"
}
edit_grader() { # every kata at full marks, whatever its gates say
  sed -i 's/^  kata->score = 0;$/  kata->score = 0;\n  for (unsigned g = 0; g < SC_GATE_COUNT; g++)\n    kata->gates[g].score = kata->gates[g].max_score;/' \
    grader/model/result.c
}
edit_workflow() {
  sed -i 's/PASSING_PERCENT: "70"/PASSING_PERCENT: "0"/' .github/workflows/grade.yml
}

scenario weakens-the-tests leak weaken_tests "$kata/test_sum.c"
scenario raises-a-threshold quadratic raise_threshold "$kata/kata.json"
scenario edits-the-grader quadratic edit_grader grader/model/result.c
scenario edits-the-workflow quadratic edit_workflow .github/workflows/grade.yml
