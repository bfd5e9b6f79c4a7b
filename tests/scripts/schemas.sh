#!/usr/bin/env bash
# Checks the outputs against their consumers: a results file and a
# Gradescope results.json written by a real grading of the fixture kata,
# checked with ajv (tests/schemas/validate.sh); the JUnit file checked with
# xmllint against tests/schemas/junit.xsd and read by xunit-viewer (from the
# npm registry); and `merge` joining two shards as the grading workflow does.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

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
  grep -q '^## senior-check: 80/100' "$out/summary.md"

xunit() {
  local shown
  shown=$(cd "$out" && npx --yes xunit-viewer@10.6.1 -r "$out/junit.xml" \
    -o "$out/xunit.html" -c -C -n 2>&1)
  printf '%s\n' "$shown" | grep -E '2 failure, 7 passed' >/dev/null &&
    printf '%s\n' "$shown" | grep -q 'memcheck'
}
check "xunit-viewer reads the JUnit file: the memcheck and strict gates fail (LeakSanitizer sees the leak too), 7 cases pass" xunit

# Two shards, as the grading workflow's jobs make them, merged into one.
./senior-check grade --katas tests/fixtures/katas 00-sum \
  --from tests/submissions/good --json "$out/good.json" >/dev/null 2>&1
mkdir -p "$out/shard"
sed 's/"id": "00-sum"/"id": "00-sum-again"/' "$out/results.json" \
  >"$out/shard/again.json"
merged() {
  ./senior-check merge "$out/good.json" "$out/shard/again.json" \
    --json "$out/merged.json" >/dev/null 2>&1
  [ $? -eq 1 ] && jq -e '.score == 180 and .max_score == 200 and
    ([.katas[].id] == ["00-sum", "00-sum-again"])' "$out/merged.json" >/dev/null
}
check "merge joins two shards into one score (100 + 80 of 200)" merged
refused() {
  local err
  err=$(./senior-check merge "$out/good.json" "$out/good.json" 2>&1 >/dev/null)
  [ $? -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
}
check "merge refuses a kata graded in two shards, in one line" refused

# The score job's grader: linked statically, and run as the grading
# workflow's score job runs it, with no library, no tool on PATH and no
# root. It must merge what the dynamic grader merges, to the same score.
static=$root/build/static
build_static() {
  { cmake -G Ninja -S "$root" -B "$static" -DSENIOR_CHECK_STATIC=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build "$static"; } \
    >"$out/static.log" 2>&1 || { tail -n 5 "$out/static.log" | sed 's/^/# /'; return 1; }
  # ldd fails on a binary with no dynamic section.
  ! ldd "$static/bin/senior-check-grader" >/dev/null 2>&1
}
check "the grader builds statically (-DSENIOR_CHECK_STATIC=ON), needing no shared library" build_static
unprivileged_merge() {
  local job
  job=$(mktemp -d) && chmod 755 "$job" &&
    mkdir "$job/shards" "$job/out" && chmod 777 "$job/out" &&
    cp -r tests/fixtures/katas "$job/katas" &&
    cp "$out/good.json" "$out/shard/again.json" "$job/shards/" &&
    cp "$static/bin/senior-check-grader" "$job/" && chmod -R a+rX "$job" || return 1
  (cd "$job/out" && setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -i PATH=/nonexistent SENIOR_CHECK_ROOT="$job" "$job/senior-check-grader" \
    merge --all-katas "$job/shards/good.json" "$job/shards/again.json" \
    --json "$job/out/merged.json" --format "junit=$job/out/junit.xml" \
    >"$job/out/merge.log" 2>&1)
  local rc=$?
  [ $rc -eq 1 ] || { echo "# exit $rc: $(tail -n 3 "$job/out/merge.log")"; rm -rf "$job"; return 1; }
  jq -e '.score == 180 and .max_score == 200' "$job/out/merged.json" >/dev/null &&
    xmllint --noout --schema tests/schemas/junit.xsd "$job/out/junit.xml" 2>/dev/null
  rc=$?
  rm -rf "$job"
  return $rc
}
check "the static grader merges shards as an unprivileged user with an empty PATH (180 of 200, a valid JUnit file)" \
  unprivileged_merge
