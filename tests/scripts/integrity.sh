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

# Hostile code in the learner's own files, graded under the trusted ref: the
# score may not rise above what the honest starter earns.
casts=katas/10-unchecked-casts
grade_casts() {
  local out=$1
  shift
  ./senior-check grade 10-unchecked-casts --json "$out" "$@" >"$out.log" 2>&1
  [ -s "$out" ] || { echo "# no results: $(tail -n 3 "$out.log")"; return 1; }
}
git checkout -q -B starter "$base"
grade_casts "$work/starter.json" --trusted-ref "$base"
starter=$(score "$work/starter.json")

# A constructor that forges cmocka's report and leaves before the tests.
git checkout -q -B forge "$base"
cp "$root/tests/submissions/attack-constructor-forge/10-unchecked-casts/frame_decode.c" "$casts/"
git commit -qam "a faster decoder"
grade_casts "$work/forge.json" --trusted-ref "$base"
check "a constructor that forges the report scores at most the starter's $starter (got $(score "$work/forge.json"))" \
  eval "[ -n '$starter' ] && [ '$(score "$work/forge.json")' -le '$starter' ]"
check "the forging constructor is refused by name" \
  eval "jq -e '.katas[0].gates[0].message | test(\"a constructor or destructor\")' '$work/forge.json' >/dev/null"

# A cmocka.h beside the starter that makes every assertion a no-op, kept
# out of git's sight (untracked and excluded).
git checkout -q -B shadow "$base"
cp "$root/tests/submissions/attack-shadow-header/10-unchecked-casts/cmocka.h" "$casts/"
echo "$casts/cmocka.h" >>.git/info/exclude
grade_casts "$work/shadow.json" --trusted-ref "$base"
check "a shadowing cmocka.h leaves the starter's score as it was ($starter, got $(score "$work/shadow.json"))" \
  eval "[ '$(score "$work/shadow.json")' = '$starter' ]"
check "the excluded header is still a finding" \
  has_finding "$work/shadow.json" "$casts/cmocka.h"
rm -f "$casts/cmocka.h"
sed -i '$d' .git/info/exclude

# A branch that carries a ready-made trusted tree in build/ (with a grader
# that writes full marks) is not trusted: trusted trees live elsewhere.
git checkout -q -B carried "$base"
fake="build/trusted/$base"
mkdir -p "$fake/build/bin" "$fake/src"
echo "$base" >"$fake/extracted"
printf '#!/bin/sh\necho "{\\"score\\": 100}" >"$4"\n' >"$fake/build/bin/senior-check-grader"
chmod +x "$fake/build/bin/senior-check-grader"
git add -f "$fake" && git commit -qm "a build tree"
grade_casts "$work/carried.json" --trusted-ref "$base"
check "a committed build/trusted tree is not trusted (score $(score "$work/carried.json"), starter $starter)" \
  eval "[ '$(score "$work/carried.json")' = '$starter' ] && jq -e .official '$work/carried.json' >/dev/null"

# The first try at kata 01's predictions, under the trusted ref: the
# branch's first commit that changed them counts, not the copy made after
# a run showed the answers. Shown, never scored.
git checkout -q -B predictions "$base"
order=katas/01-predict-order/predictions.txt
cp "$root/solutions/01-predict-order/predictions.txt" "$order"
sed -i 's/^\(0[1-3]\): .*/\1: a b c/' "$order" # three guesses wrong
git commit -qam "my predictions"
cp "$root/solutions/01-predict-order/predictions.txt" "$order"
git commit -qam "predictions from the results"
./senior-check grade 01-predict-order --json "$work/try.json" --trusted-ref "$base" >"$work/try.log" 2>&1
check "the first try is the first commit's: $(jq -c '.katas[0].first_try | [.right, .of]' "$work/try.json") of kata 01's puzzles" \
  eval "jq -e '.katas[0].first_try | .right < .of and .of == 10 and (.how | test(\"first commit\"))' '$work/try.json' >/dev/null"

# Under a trusted ref the learner's files are read from the working tree,
# not from the ref's tree: every location still names them as the
# repository does, so CI annotates the learner's line.
locations_ok() {
  jq -e '[.katas[].gates[].locations[]?.file] | length > 0 and
    all(. == "tests/fixtures/katas/00-sum/sum.c")' "$1" >/dev/null &&
    ! grep -q "$work" "$1"
}
check "with --trusted-ref, a leak's locations are repository paths ($(jq -c '[.katas[].gates[].locations[]?.file] | unique' "$work/weakens-the-tests-base.json"))" \
  locations_ok "$work/weakens-the-tests-base.json"
