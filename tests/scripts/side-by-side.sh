#!/usr/bin/env bash
# Two graders side by side on one machine: each claims its own sandbox slot
# (a uid no other run on the machine holds), runs learner code in a box
# that shows neither the other's files nor its processes, and gets the
# verdicts it gets alone.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check (selftest
# counts them). Needs jq.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"
cd "$root" || exit 1

fixture() { # fixture NAME SUBMISSION: grades the fixture kata's submission
  ./senior-check grade 00-sum --katas tests/fixtures/katas \
    --from "tests/submissions/$2" --json "$work/$1.json" >"$work/$1.log" 2>&1
}
# One grader hangs in every test, the other is honest: at the same time.
fixture hang attack-hang-every-test &
hanging=$!
./senior-check grade 10-unchecked-casts --solutions --json "$work/honest.json" \
  >"$work/honest.log" 2>&1 &
honest=$!
wait "$hanging" "$honest"
score() { jq -r '.katas[0].score' "$work/$1.json"; }
check "the honest grading beside a hanging one still earns full marks ($(score honest))" \
  test "$(score honest)" = 100
check "the hanging one gets its own verdict ($(score hang))" \
  eval "jq -e '.katas[0].gates[1].status == \"fail\"' '$work/hang.json' >/dev/null"

# Two gradings of the same kata from different files, at once: the slots
# differ, so neither sees the other's report, and each gets its own score.
./senior-check grade 10-unchecked-casts --from tests/submissions/10-int-length-cast \
  --json "$work/cast.json" >"$work/cast.log" 2>&1 &
first=$!
./senior-check grade 10-unchecked-casts --json "$work/starter.json" \
  >"$work/starter.log" 2>&1 &
second=$!
wait "$first" "$second"
./senior-check grade 10-unchecked-casts --from tests/submissions/10-int-length-cast \
  --json "$work/cast-alone.json" >/dev/null 2>&1
./senior-check grade 10-unchecked-casts --json "$work/starter-alone.json" \
  >/dev/null 2>&1
check "side by side, each scores what it scores alone ($(score cast) = $(score cast-alone), $(score starter) = $(score starter-alone))" \
  eval "[ '$(score cast)' = '$(score cast-alone)' ] && [ '$(score starter)' = '$(score starter-alone)' ]"
