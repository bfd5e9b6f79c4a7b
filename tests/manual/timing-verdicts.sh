#!/usr/bin/env bash
# Kata 07's verdicts do not follow the machine's load.
#
# Run it by hand, on a machine with at least 2 cores, since it takes about
# 20 minutes of both cores:
#
#   bash tests/manual/timing-verdicts.sh
#
# It lives in tests/manual/, where selftest does not look: it is too long
# for every run of the project's tests.
#
# It grades kata 07's reference solution and the idle-sliced wrong fix
# (tests/submissions/07-idle-sliced: no thread at all, one chunk per turn
# of the loop) five times with one core busy (a busy loop this script
# starts and kills) and five times with both cores free, alternately, and
# checks that each gets the same verdict in all ten runs: the reference
# full marks, the idle-sliced job a failure.
#
# The idle-sliced job fails the tests gate, and the grader then skips its
# timing gate. So its benchmark is also run on its own, in every run, and
# the thresholds of kata.json applied to its figures the way the timing
# gate applies them (once each: the gate measures a narrow miss again, and
# these miss by far). Its timing verdict must not follow the load either.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check, and "# ..."
# lines with each run's verdict and the load average before it. Needs
# cmake, ninja and jq (what selftest needs).
set -uo pipefail


root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kata=07-parallelize-cpu
wrong=tests/submissions/07-idle-sliced
runs=5
work=$(mktemp -d)
busy_pid=

stop_busy() {
  if [ -n "$busy_pid" ]; then
    kill "$busy_pid" 2>/dev/null
    wait "$busy_pid" 2>/dev/null
    busy_pid=
  fi
}
cleanup() {
  stop_busy
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

cd "$root" || exit 1
export NO_COLOR=1
./senior-check --version >/dev/null || exit 1

# The idle-sliced job's benchmark, built the way the grader builds it.
cmake -S "katas/$kata" -B "$work/idle" -G Ninja \
  -DSENIOR_EDITABLE_DIR="$root/$wrong/$kata" -DCMAKE_C_COMPILER=gcc \
  -Wno-dev >/dev/null &&
  cmake --build "$work/idle" --target bench >/dev/null || exit 1

# verdict RESULTS_JSON: the kata's score, each gate's status and each
# timing threshold's, on one line.
verdict() {
  jq -r '.katas[0] | "\(.score)/\(.max_score); "
    + ([.gates[] | "\(.name) \(.status)"] | join(", "))
    + "; thresholds: "
    + ([.gates[] | select(.name == "timing") | .thresholds[]?.status]
       | if length == 0 then "none" else join(" ") end)' "$1"
}

# ratios RESULTS_JSON: each timing threshold's measured ratio, for the
# reader.
ratios() {
  jq -r '[.katas[0].gates[] | select(.name == "timing") | .thresholds[]?
          | .ratio * 1000 | round / 1000] | map(tostring) | join(" ")' "$1"
}

# bench_verdict BENCH: runs the benchmark at the pool sizes kata.json
# names and judges each threshold as the timing gate does: one word per
# threshold, pass or fail, its ratio in brackets.
bench_verdict() {
  local figures=$work/figures.txt n
  : >"$figures"
  for n in 1 2 4; do
    UV_THREADPOOL_SIZE=$n SENIOR_CHECK_FIGURES=$work/pool.txt "$1" \
      >/dev/null || return 1
    cat "$work/pool.txt" >>"$figures"
  done
  jq -r --rawfile figs "$figures" '
    ($figs | split("\n") | map(select(length > 0) | split(" ")
            | {(.[0]): (.[1] | tonumber)}) | add) as $f
    | def side(s): if (s | type) == "string" then $f[s]
                   else reduce s[] as $n (1; . * $f[$n]) end;
    [.timing.thresholds[]
     | (side(.ratio[0]) / side(.ratio[1])) as $r
     | (if ((.max == null) or ($r <= .max)) and ((.min == null) or ($r >= .min))
        then "pass" else "fail" end) + "(\($r * 1000 | round / 1000))"]
    | join(" ")' "katas/$kata/kata.json"
}

declare -a reference_verdicts wrong_verdicts wrong_bench_verdicts

grade_once() {
  local how=$1 i=$2 judged
  echo "# run $i, $how: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  ./senior-check grade "$kata" --solutions --json "$work/ref.json" \
    >/dev/null 2>&1
  reference_verdicts+=("$(verdict "$work/ref.json")")
  echo "#   reference: ${reference_verdicts[-1]} ($(ratios "$work/ref.json"))"
  ./senior-check grade "$kata" --from "$wrong" --json "$work/wrong.json" \
    >/dev/null 2>&1
  wrong_verdicts+=("$(verdict "$work/wrong.json")")
  echo "#   idle-sliced: ${wrong_verdicts[-1]}"
  judged=$(bench_verdict "$work/idle/bench" || echo "the benchmark failed")
  echo "#   idle-sliced, its benchmark judged: $judged"
  # The verdict is the words; the ratios in brackets are for the reader.
  wrong_bench_verdicts+=("$(sed 's/([^)]*)//g' <<<"$judged")")
}

for i in $(seq 1 "$runs"); do
  sh -c 'while :; do :; done' &
  busy_pid=$!
  grade_once "one core busy" "$i"
  stop_busy
  grade_once "both cores free" "$i"
done

# same ARRAY_NAME: every element equals the first.
same() {
  local -n all=$1
  local v
  for v in "${all[@]}"; do
    [ "$v" = "${all[0]}" ] || return 1
  done
}

check "the reference gets one verdict in all $((2 * runs)) runs: ${reference_verdicts[0]}" \
  same reference_verdicts
check "the reference's verdict is full marks, every threshold met" \
  test "${reference_verdicts[0]}" = "100/100; build pass, tests pass, memcheck pass, timing pass, coverage pass, strict pass; thresholds: pass pass pass pass"
check "the idle-sliced job gets one verdict in all $((2 * runs)) runs: ${wrong_verdicts[0]}" \
  same wrong_verdicts
check "the idle-sliced job's verdict is a failure of the tests gate" \
  grep -q "tests fail" <<<"${wrong_verdicts[0]}"
check "the idle-sliced job's benchmark gets one timing verdict in all $((2 * runs)) runs: ${wrong_bench_verdicts[0]}" \
  same wrong_bench_verdicts
check "that timing verdict is a failure" \
  grep -q fail <<<"${wrong_bench_verdicts[0]}"
