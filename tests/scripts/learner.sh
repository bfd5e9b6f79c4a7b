#!/usr/bin/env bash
# The learner's loop, driven as a learner drives it, on a clone of this
# repository: next (and no verb at all), list, hint, solution, run and
# reset from the command line, then watch in a real terminal (tmux): save
# a file, read the screen until the new result shows, press h and q.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check (selftest
# counts them), and "# ..." lines with measurements. Needs git; the watch
# checks need tmux and are skipped without it.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
session="learner-$$"
# A tmux server of this script's own: nothing done to the default server
# elsewhere on the machine (a kill-server) ends these sessions.
tmux() { command tmux -S "$work/tmux.sock" "$@"; }
cleanup() {
  tmux kill-server 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

# The grader under test: the one this repository builds.
grader=${SENIOR_CHECK_GRADER:-$root/build/bin/senior-check-grader}
if [ ! -x "$grader" ]; then
  "$root/senior-check" --version >/dev/null || exit 1
fi

git clone -q "$root" "$work/repo" || exit 1
repo=$work/repo
cd "$repo" || exit 1
export SENIOR_CHECK_ROOT=$repo
export NO_COLOR=1
first=01-predict-order
mapfile -t katas < <(ls katas)
second=${katas[1]}

sc() { "$grader" "$@"; } # the grader as ./senior-check runs it

# run NAME VERB...: runs the grader, keeping stdout, stderr and the status.
run() {
  local name=$1
  shift
  sc "$@" >"$work/$name.out" 2>"$work/$name.err"
  echo $? >"$work/$name.status"
}
status_is() { [ "$(cat "$work/$1.status")" = "$2" ]; }
says() { grep -qF -- "$2" "$work/$1.out"; }
complains() { grep -qF -- "$2" "$work/$1.err"; }
elapsed_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# --- next, and no verb at all --------------------------------------------
run bare
check "no verb means next: it names $first and exits 1" \
  eval "status_is bare 1 && says bare 'next: $first'"
check "next names the files to edit, the goal and how to check it" \
  eval "says bare 'edit:  katas/$first/predictions.txt' && says bare 'goal:' && says bare './senior-check run $first'"
check "next shows the first failing test as the suite wrote it" \
  eval "says bare 'first failure: test_' && says bare 'expected:'"
check "the graded result is cached by content in build/cache" \
  test -s "build/cache/$first.json"
start=$(date +%s%N)
run next next
ms=$(elapsed_ms "$start")
echo "# next with nothing changed: $ms ms"
check "next again answers from the cache (${ms} ms) with the same output" \
  eval "[ $ms -lt 2000 ] && cmp -s '$work/bare.out' '$work/next.out'"

# --- list ----------------------------------------------------------------
score=$(sed -n 's/^  score: \([0-9]*\)\/100$/\1/p' "$work/bare.out")
start=$(date +%s%N)
run list list
ms=$(elapsed_ms "$start")
echo "# list: $ms ms"
check "list is instant (${ms} ms) and shows $first at its graded score ($score)" \
  eval "[ $ms -lt 2000 ] && status_is list 0 && grep -qE '^> $first +1 +$score/100 ' '$work/list.out'"
check "list shows every kata in curriculum order, ungraded ones without a score" \
  eval "[ \"\$(grep -oE '^[>* ] [0-9]{2}-[a-z0-9-]+' '$work/list.out' | cut -c3-)\" = \"\$(printf '%s\n' ${katas[*]})\" ] && grep -qE '^  $second +[0-9]+ +- ' '$work/list.out'"
check "list shows the curriculum's progress bar and the level reached" \
  eval "says list 'curriculum [' && says list 'level: newcomer' && says list 'levels:'"

check "list shows per-gate scores and the untouched starter's own score ($score), which earns no level" \
  eval "says list 'bld tst mem tim cov str' && grep -qE '^> $first +1 +$score/100 +$score +10 ' '$work/list.out' && says list 'the level counts only the 0 you added' && says list 'level: newcomer'"

# --- hint ----------------------------------------------------------------
run hint1 hint "$first"
run hint2 hint "$first"
run hint1again hint "$first" 1
run hint99 hint "$first" 99
check "hint shows hint 1 first, then hint 2: one at a time" \
  eval "says hint1 'Hint 1 of ' && says hint2 'Hint 2 of ' && [ \$(grep -c '^Hint [0-9]* of' '$work/hint2.out') = 1 ] && ! says hint2 '## Hint'"
check "hint N shows that hint; a hint that does not exist is an error (2)" \
  eval "says hint1again 'Hint 1 of ' && status_is hint99 2 && complains hint99 'has hints 1 to'"

# --- solution before full marks ------------------------------------------
run early solution "$first"
check "solution refuses before full marks and says how to force it (exit 1)" \
  eval "status_is early 1 && complains early '--force' && ! says early '+++'"
run forced solution "$first" --force
check "solution --force warns that it spoils the kata, then shows the diff" \
  eval "status_is forced 0 && complains forced 'spoil' && says forced '+++ solutions/$first/drain.c'"

# --- run, to full marks, and next moves on -------------------------------
cp "solutions/$first/"* "katas/$first/"
start=$(date +%s%N)
run solved run "$first"
echo "# run $first (every gate): $(elapsed_ms "$start") ms"
check "run grades every gate of the solved kata and says full marks (exit 0)" \
  eval "status_is solved 0 && says solved '$first: 100/100' && says solved 'full marks'"
run after next
check "next moves on to $second once $first is at full marks" \
  eval "status_is after 1 && says after 'next: $second'"
run late solution "$first"
check "solution at full marks shows the reference against the learner's files" \
  eval "status_is late 0 && says late 'the same as the reference solution'"
run full list list
check "list marks $first done (100/100)" \
  eval "grep -qE '^\\* $first +1 +100/100 ' '$work/full.out'"
cp "build/cache/$first.json" "$work/solved-entry.json"
echo "/* one more line */" >>"katas/$first/drain.c"
run changed list
check "a changed file makes list drop the cached score (keyed by content)" \
  eval "says changed 'changed since graded: was 100/100' && grep -qE '^> $first +1 +- ' '$work/changed.out'"

# --- reset ---------------------------------------------------------------
echo n | sc reset "$first" >"$work/no.out" 2>&1
no_status=$?
check "reset asks first; no answer but y changes nothing (exit 1)" \
  eval "[ $no_status = 1 ] && grep -q 'y/N' '$work/no.out' && grep -q 'one more line' 'katas/$first/drain.c'"
run reset reset "$first" --yes
backup=$(ls -d build/backups/"$first"/* 2>/dev/null | head -n 1)
check "reset --yes restores the starter files from git" \
  eval "status_is reset 0 && git diff --quiet HEAD -- 'katas/$first'"
check "reset keeps the learner's versions in build/backups/$first/<time>/" \
  eval "[ -n '$backup' ] && grep -q 'one more line' '$backup/drain.c' && cmp -s '$backup/task_queue.c' 'solutions/$first/task_queue.c'"

# --- a cache entry copied from another clone ------------------------------
# Another learner's 100/100 entry, given the key of this clone's own
# starter entry: it must count for nothing here.
git clone -q "$root" "$work/other"
SENIOR_CHECK_ROOT=$work/other "$grader" next >/dev/null 2>&1
own_key=$(jq -r .cache_key "$work/other/build/cache/$first.json" 2>/dev/null)
jq --arg k "$own_key" '.cache_key = $k' "$work/solved-entry.json" \
  >"$work/other/build/cache/$first.json"
SENIOR_CHECK_ROOT=$work/other "$grader" list >"$work/copied-list.out" 2>&1
SENIOR_CHECK_ROOT=$work/other "$grader" solution "$first" \
  >"$work/copied-solution.out" 2>&1
copied_status=$?
check "a 100/100 cache entry copied from another clone: list does not show it, solution refuses" \
  eval "[ -n '$own_key' ] && ! grep -qE '^. $first +1 +100/100' '$work/copied-list.out' && [ $copied_status = 1 ] && ! grep -q '+++' '$work/copied-solution.out'"
rm -rf "$work/other"

# --- messages, on the small fixture kata ----------------------------------
# A root of its own: the kit and 00-sum, with known bad versions of sum.c.
mini=$work/mini
mkdir -p "$mini/katas"
cp -r "$root/cmake" "$mini/"
cp -r "$root/tests/fixtures/katas/00-sum" "$mini/katas/"
sed -i 's#\.\./\.\./\.\./\.\./cmake#../../cmake#' "$mini/katas/00-sum/CMakeLists.txt"
msg() { SENIOR_CHECK_ROOT=$mini "$grader" run 00-sum >"$work/$1.out" 2>&1; }
cp "$root/tests/submissions/compile-error/00-sum/sum.c" "$mini/katas/00-sum/"
msg compile
check "a compile error is shown once on the run screen, not again as an 'at' line" \
  eval "[ \$(grep -c \"expected ',' or ';' before 'for'\" '$work/compile.out') = 1 ]"
# One leak reached from three call paths (three loss records), and one more.
sed 's/^  long long total = 0;$/&\n  int *volatile lost = malloc(sizeof(int) * (count + 1));\n  (void)lost;/' \
  "$root/tests/submissions/leak/00-sum/sum.c" >"$mini/katas/00-sum/sum.c"
msg leak
check "one leak is shown once with its frame, however many call paths reach it" \
  eval "[ \$(grep -c 'sum.c:10' '$work/leak.out') = 1 ] && grep -q 'in sum_array(): .*(and 2 more from the same line)' '$work/leak.out' && [ \$(grep -c 'sum.c:[0-9]* in sum_format' '$work/leak.out') = 1 ]"
sed 's/"sum=%lld"/"sum= %lld"/g' "$root/tests/fixtures/katas/00-sum/sum.c" >"$mini/katas/00-sum/sum.c"
msg compare
check "a failing string comparison marks the first difference and shows the space" \
  eval "grep -q 'left:  sum=·42' '$work/compare.out' && grep -q '^ *\\^ first difference: character 5' '$work/compare.out'"
# A NULL dereference before the check for NULL: cmocka catches the SIGSEGV,
# and the message and the test's location name the learner's line.
sed 's/^  char \*text = malloc((size_t)len + 1);$/  char *text = len > 100 ? malloc((size_t)len + 1) : NULL;/; s/^  if (text != NULL)$/  text[len] = 0;\n&/' \
  "$root/tests/fixtures/katas/00-sum/sum.c" >"$mini/katas/00-sum/sum.c"
crash_line=$(grep -n '^  text\[len\] = 0;$' "$mini/katas/00-sum/sum.c" | cut -d: -f1)
start=$(date +%s%N)
msg crash
echo "# run 00-sum with a crashing test: $(elapsed_ms "$start") ms"
SENIOR_CHECK_ROOT=$mini "$grader" grade 00-sum --json "$work/crash.json" >/dev/null 2>&1
check "a crashing test names the learner's line: 'crashed at katas/00-sum/sum.c:$crash_line in sum_format()'" \
  eval "[ -n '$crash_line' ] && grep -q 'Segmentation fault' '$work/crash.out' && grep -qF 'crashed at katas/00-sum/sum.c:$crash_line in sum_format() (AddressSanitizer: SEGV on unknown address' '$work/crash.out'"
check "the crashing test's location in the results is that line, and its score is a failed test's" \
  eval "jq -e --argjson line '${crash_line:-0}' '.katas[0].gates[] | select(.name == \"tests\") | .score == 26 and ([.tests[] | select(.status == \"fail\") | .name] == [\"test_sum_format_writes_the_sum\"]) and (.locations | length == 1 and .[0].file == \"katas/00-sum/sum.c\" and .[0].line == \$line and (.[0].message | test(\"test_sum_format_writes_the_sum\")))' '$work/crash.json' >/dev/null"
[ -n "${VERBOSE:-}" ] && cat "$work/compile.out" "$work/leak.out" "$work/compare.out" "$work/crash.out"

# --- watch without a terminal ----------------------------------------------
sc watch "$first" </dev/null >"$work/notty.out" 2>"$work/notty.err"
echo $? >"$work/notty.status"
check "watch without a terminal refuses in one line (exit 3), printing no results" \
  eval "status_is notty 3 && [ ! -s '$work/notty.out' ] && [ \$(wc -l <'$work/notty.err') = 1 ] && complains notty 'needs a terminal'"

# --- watch, in a real terminal ---------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
  echo "# skipped: no tmux"
  exit 0
fi
kata=10-unchecked-casts
file=katas/$kata/frame_decode.c
screen() { tmux capture-pane -p -t "$session"; }
# wait_for TEXT SECONDS: polls the screen until it shows TEXT.
wait_for() {
  local deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    screen | grep -qF -- "$1" && return 0
    sleep 0.05
  done
  echo "# the screen never showed '$1'; it shows:"
  screen | sed 's/^/#   /'
  return 1
}
tmux new-session -d -s "$session" -x 110 -y 60 \
  "cd '$repo' && SENIOR_CHECK_ROOT='$repo' NO_COLOR=1 '$grader' watch $kata; echo \"watch exited \$?\" >'$work/watch.status'; stty -a >'$work/stty.txt'; sleep 60"
check "watch grades the starter and shows its failing tests" \
  eval 'wait_for "first failure: test_" 120 && wait_for "build 10/10  tests " 120'
starter_score=$(screen | sed -n "s/^$kata: \([0-9]*\)\/.*/\1/p")
tmux resize-window -t "$session" -x 60 -y 30
sleep 0.5
screen >"$work/small.txt"
check "at 60x30 the screen redraws for the new size: the header stays on top, the keys below" \
  eval "head -n 1 '$work/small.txt' | grep -q '^senior-check watch: $kata' && grep -q '^\[h\] hint' '$work/small.txt'"
tmux resize-window -t "$session" -x 110 -y 60
sleep 0.3

start=$(date +%s%N)
cp "solutions/$kata/frame_decode.c" "$file"
wait_for "tests     35/35 pass" 30
ms=$(elapsed_ms "$start")
screen >"$work/after-save.txt"
shown=$(sed -n "s/.*(tests result \([0-9.]*\) s after the save).*/\1/p" "$work/after-save.txt")
echo "# watch: save to the tests' result on screen: $ms ms (the grader's own count: ${shown} s)"
[ -n "$shown" ] || sed "s/^/#   /" "$work/after-save.txt"
check "a save re-grades: the tests' result is on screen ${ms} ms later" \
  [ "$ms" -lt 5000 ]
# Saved again while a slow gate runs (the benchmark's build, right after
# the tests, can be over before a save is seen): memcheck stops halfway,
# and the new files (the starter, with one more line) are graded at once;
# their tests fail, so their grading ends with the tests gate.
wait_for "memcheck  running" 30 >/dev/null
start=$(date +%s%N)
{
  git show "HEAD:$file"
  echo "/* saved again */"
} >"$file"
wait_for "$kata: $starter_score/100" 90
ms=$(elapsed_ms "$start")
echo "# watch: a save while memcheck runs to the new files' result on screen: $ms ms"
check "a save during a slow gate stops it and grades the new files: their result (the starter's score) is on screen ${ms} ms later" \
  eval "screen | grep -q '^$kata: $starter_score/100' && [ $ms -lt 5000 ]"
cp "solutions/$kata/frame_decode.c" "$file"
check "the slow gates follow and the kata reaches full marks, offering the next" \
  wait_for "press n for the next kata" 120
tmux send-keys -t "$session" h
check "h shows the first hint" wait_for "Hint 1 of" 10
tmux send-keys -t "$session" q
deadline=$(($(date +%s) + 30))
while [ ! -s "$work/watch.status" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  sleep 0.1
done
check "q quits watch (exit 0 at full marks)" \
  grep -q "watch exited 0" "$work/watch.status"
check "the terminal is back in its normal mode after watch" \
  eval "grep -qw icanon '$work/stty.txt' && grep -qw echo '$work/stty.txt'"

# --- n at the last kata, and a save only the safety poll sees -------------
# Every kata after the last is none: n wraps to the first one short of
# full marks ($first, reset above), never says the rest is done. The last
# kata is brought to full marks for it (git checkout restores it below).
last=${katas[${#katas[@]} - 1]}
cp "solutions/$last/"* "katas/$last/"
rm -f "$work/watch.status"
tmux kill-session -t "$session" 2>/dev/null
tmux new-session -d -s "$session" -x 110 -y 60 \
  "cd '$repo' && SENIOR_CHECK_ROOT='$repo' NO_COLOR=1 '$grader' watch $last; echo \"watch exited \$?\" >'$work/watch.status'; sleep 60"
wait_for "press n for the next kata" 30 >/dev/null
tmux send-keys -t "$session" n
check "n at the last kata wraps around to $first, which is short of full marks" \
  eval "wait_for 'senior-check watch: $first' 10 && ! screen | grep -q 'at full marks too'"
wait_for "first failure: test_" 120 >/dev/null
# A write through a hard link elsewhere changes the file, but the kata
# folder's file events never hear of it: only the 1 s poll does.
ln "katas/$first/drain.c" "$work/drain-link.c"
cat "solutions/$first/drain.c" >"$work/drain-link.c"
check "a save that only the 1 s poll saw is graded and said so on screen" \
  eval "wait_for 'file events missed a save' 10 && [ \$(screen | grep -c 'file events missed') = 1 ]"
tmux send-keys -t "$session" q
deadline=$(($(date +%s) + 120))
while [ ! -s "$work/watch.status" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  sleep 0.1
done
tmux kill-session -t "$session" 2>/dev/null

# --- watch, every kata: from a save to the tests' result ------------------
# Each kata in a watch of its own, started on its starter (graded first, by
# list --grade in parallel, so that watch starts from the cache and waits);
# the save is the reference solution's files copied over the starter's.
# The figures are printed on every run, with how many katas met the goal
# of a second at most: a figure, since the machine's load is not the
# project's to set. What is checked is the grader's share of the wait
# (the wait less the suite's own run, which is the kata's), with a bound
# generous enough that a loaded 2-core machine never fails it.
git checkout -q -- katas
within_goal=0
every_kata_start=$(date +%s%N)
start=$(date +%s%N)
sc list --grade >/dev/null 2>&1
echo "# list --grade of every starter: $(elapsed_ms "$start") ms"
# tests_gate_s: the running grading's tests gate, once it ended: its time
# (a reference that fails here is the solutions' check's business).
tests_gate_s() {
  screen | sed -nE 's/^  tests +[0-9]+\/[0-9]+ (pass|fail) ([0-9.]+) s$/\2/p'
}
for kata in "${katas[@]}"; do
  rm -f "$work/watch.status"
  tmux new-session -d -s "$session" -x 110 -y 60 \
    "cd '$repo' && SENIOR_CHECK_ROOT='$repo' NO_COLOR=1 '$grader' watch $kata; echo \"watch exited \$?\" >'$work/watch.status'; sleep 60"
  wait_for "first failure: test_" 120 >/dev/null
  start=$(date +%s%N)
  cp "solutions/$kata/"* "katas/$kata/"
  deadline=$(($(date +%s) + 60))
  until [ -n "$(tests_gate_s)" ] || [ "$(date +%s)" -ge "$deadline" ]; do
    sleep 0.02
  done
  ms=$(elapsed_ms "$start")
  suite_s=$(tests_gate_s)
  shown=$(screen | sed -n "s/.*(tests result \([0-9.]*\) s after the save).*/\1/p")
  echo "# watch $kata: save to tests result: $ms ms (the tests gate: ${suite_s:-?} s; the grader's own count: ${shown:-?} s)"
  [ "$ms" -le 1000 ] && within_goal=$((within_goal + 1))
  # The grader's share in ms: the wait less the tests gate's own time.
  share=$((ms - $(awk "BEGIN { printf \"%d\", ${suite_s:-999} * 1000 }")))
  check "watch $kata: the tests' result is on screen ${ms} ms after the save, ${share} ms of it before the suite ran (bound: 5000 ms)" \
    eval "[ -n '$suite_s' ] && [ $share -lt 5000 ]"
  tmux send-keys -t "$session" q # the grading stops: nothing to wait for
  deadline=$(($(date +%s) + 300))
  while [ ! -s "$work/watch.status" ] && [ "$(date +%s)" -lt "$deadline" ] &&
    tmux has-session -t "$session" 2>/dev/null; do
    sleep 0.1
  done
  tmux kill-session -t "$session" 2>/dev/null
done
echo "# watch, every kata: $(elapsed_ms "$every_kata_start") ms in all; the tests' result within 1000 ms of the save (the goal, at low load): $within_goal of ${#katas[@]} katas"
