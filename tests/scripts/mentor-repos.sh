#!/usr/bin/env bash
# Mentor-side grading, and a rehearsal of the grading workflow's path with
# git alone: learners' repositories (made here on disk: one honest, one
# half-way, two hostile) are graded from this checkout with --repo, each
# commit read as data, into one results file per learner and a class page.
# The hostile ones edit the tests, the grader, trusted.c, the entry script
# and the workflow, commit a build/trusted tree and plant a link: their
# score is their editable files' alone, with findings.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check (selftest
# counts them). Needs git and jq.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"
cd "$root" || exit 1

casts=katas/10-unchecked-casts
# learner NAME: a clone of this checkout, with the commits the caller makes.
learner() {
  git clone -q "$root" "$work/$1" &&
    git -C "$work/$1" config user.email "$1@example.invalid" &&
    git -C "$work/$1" config user.name "$1"
}

learner ada
cp "$root/solutions/10-unchecked-casts/frame_decode.c" "$work/ada/$casts/"
git -C "$work/ada" commit -qam "the decoder"

learner bob
cp "$root/tests/submissions/10-int-length-cast/10-unchecked-casts/frame_decode.c" \
  "$work/bob/$casts/"
git -C "$work/bob" commit -qam "nearly"

learner cy # the tests gutted, the grader edited, a link for a file
sed -i 's/assert_true(/(void)(/' "$work/cy/$casts/test_unchecked_casts.c"
echo '/* full marks */' >>"$work/cy/grader/model/result.c"
rm "$work/cy/$casts/frame_decode.c"
ln -s /etc/passwd "$work/cy/$casts/frame_decode.c"
git -C "$work/cy" add -A && git -C "$work/cy" commit -qm "done"

learner dee # a head that steers everything a workflow could run
cp "$root/tests/submissions/10-int-length-cast/10-unchecked-casts/frame_decode.c" \
  "$work/dee/$casts/"
printf '#!/bin/sh\necho "{\\"score\\": 100}"\n' >"$work/dee/senior-check"
sed -i 's/^int sc_trusted_reexec(/int sc_trusted_reexec_skipped(/' "$work/dee/grader/cli/trusted.c"
sed -i 's/PASSING_PERCENT: "70"/PASSING_PERCENT: "0"/' "$work/dee/.github/workflows/grade.yml"
mkdir -p "$work/dee/build/trusted/forged/build/bin"
printf '#!/bin/sh\necho "{\\"score\\": 100}" >"$4"\n' \
  >"$work/dee/build/trusted/forged/build/bin/senior-check-grader"
git -C "$work/dee" add -A && git -C "$work/dee" add -f build/trusted &&
  git -C "$work/dee" commit -qm "faster grading"

mkdir -p "$work/results"
for name in ada bob cy dee; do
  ./senior-check grade 10-unchecked-casts --repo "$work/$name@HEAD" \
    --json "$work/results/$name.json" >"$work/$name.log" 2>&1
  check "$name's commit is graded from git as data (exit $?)" \
    test -s "$work/results/$name.json"
done
score() { jq -r .score "$work/results/$1.json"; }
check "ada earns full marks ($(score ada))" test "$(score ada)" = 100
check "bob earns less, his cast caught ($(score bob))" \
  eval "[ '$(score bob)' -lt 100 ] && [ '$(score bob)' -gt 0 ]"
check "cy's gutted tests and edited grader change nothing: the link is refused ($(score cy))" \
  eval "[ '$(score cy)' = 0 ] && jq -e '.katas[0].gates[0].message | test(\"is not a regular file\")' '$work/results/cy.json' >/dev/null"
check "cy's changes are findings, and every result is official" \
  eval "jq -e '[.findings[].path] | any(. == \"$casts/test_unchecked_casts.c\") and any(. == \"grader/model/result.c\")' '$work/results/cy.json' >/dev/null &&
        jq -se 'all(.official)' '$work/results/'*.json >/dev/null"
check "dee's entry script, trusted.c, workflow and build/ change nothing: bob's code, bob's score ($(score dee) = $(score bob))" \
  eval "[ '$(score dee)' = '$(score bob)' ] && jq -e '[.findings[].path] | any(. == \"senior-check\") and any(. == \"grader/cli/trusted.c\") and any(. == \".github/workflows/grade.yml\")' '$work/results/dee.json' >/dev/null"
check "no passwd line reached cy's results" \
  eval "! grep -q 'root:x:' '$work/results/cy.json'"
./senior-check report --class "$work/class.html" "$work/results/"*.json \
  >"$work/class.log" 2>&1
check "the class page lists the learners" \
  eval "grep -q '>ada<' '$work/class.html' && grep -q '>bob<' '$work/class.html' && grep -q '>cy<' '$work/class.html' && grep -q '>dee<' '$work/class.html'"
check "a repository that does not exist: one line naming it, exit 2" \
  eval "./senior-check grade --repo '$work/nobody@main' >'$work/bad.out' 2>'$work/bad.err'; [ \$? = 2 ] && [ \$(wc -l <'$work/bad.err') = 1 ] && grep -q nobody '$work/bad.err'"

# The same class from a roster: one grader process per learner, a learner
# whose repository is gone costs that row only.
cat >"$work/roster.txt" <<ROSTER
# name   repository        ref
ada      $work/ada         HEAD
bob      $work/bob
gone     $work/nobody      main
ROSTER
./senior-check grade 10-unchecked-casts --roster "$work/roster.txt" \
  --out "$work/class" >"$work/roster.out" 2>"$work/roster.err"
roster_status=$?
sed 's/^/# /' "$work/roster.out"
check "a roster grades ada and bob into their files and the class page, and says why gone is not graded (exit $roster_status)" \
  eval "[ $roster_status = 1 ] && jq -e '.score == 100' '$work/class/ada.json' >/dev/null &&
        [ \"\$(jq -r .score '$work/class/bob.json')\" = '$(score bob)' ] &&
        [ ! -e '$work/class/gone.json' ] &&
        grep -q '^gone: not graded (.*roster.txt:4): .*nobody' '$work/roster.out' &&
        grep -q '>ada<' '$work/class/class.html' && grep -q '>bob<' '$work/class/class.html'"
bad_roster() {
  printf '%s\n' "$1" >"$work/bad-roster.txt"
  ./senior-check grade --roster "$work/bad-roster.txt" --out "$work/nowhere" \
    >/dev/null 2>"$work/bad-roster.err"
  local rc=$?
  [ $rc = 2 ] && [ "$(wc -l <"$work/bad-roster.err")" = 1 ] &&
    grep -q "bad-roster.txt:$2" "$work/bad-roster.err" && [ ! -e "$work/nowhere" ]
}
check "a roster line without a repository, a name that cannot be a file, a learner twice: one line naming the roster's line, exit 2, nothing graded" \
  eval "bad_roster 'ada' 1 && bad_roster '../ada $work/ada' 1 &&
        bad_roster \"ada $work/ada
ada $work/bob\" 2"
