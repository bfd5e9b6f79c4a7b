#!/usr/bin/env bash
# The mentor's view (report --html, report --class, --format html), tested
# as a mentor would use it: pages written from the results files in
# tests/fixtures/results/ (real gradings, see the README there), checked as
# files, then opened in headless Chromium through playwright-core (pinned in
# tests/browser/package-lock.json and installed into build/browser): loaded
# without a failed request or a console error, fetching nothing, with their
# tables and charts, and the class table sorted by a click.
#
# Prints one "ok N - ..." or "not ok N - ..." line per check.
# UPDATE_SCREENSHOTS=1 also copies the screenshots into docs/screenshots/.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fixtures="$root/tests/fixtures/results"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck source=lib/check.bash
source "$root/tests/scripts/lib/check.bash"

# Lines of the browser checks, numbered in this script's sequence.
relay() {
  local line
  while IFS= read -r line; do
    case $line in
      "ok - "*) checks=$((checks + 1)) && echo "ok $checks - ${line#ok - }" ;;
      "not ok - "*) checks=$((checks + 1)) && echo "not ok $checks - ${line#not ok - }" ;;
      *) echo "$line" ;;
    esac
  done
}

cd "$root" || exit 1
report() { "$root/senior-check" report "$@"; }
quiet() { # quiet LOG COMMAND...: runs COMMAND with its output in LOG
  local log=$1
  shift
  "$@" >"$log" 2>&1
}

# --- one learner's page, from a results file -------------------------
class="$out/class"
mkdir -p "$class" "$out/other"
cp "$fixtures"/ada.json "$fixtures"/bob.json "$class/"
# Results files carry the time they were graded (graded_at); the fixtures
# predate it, so cy's two gradings get theirs here, a week apart.
jq '.graded_at = "2024-05-09T16:30:00Z"' "$fixtures/cy.json" >"$class/cy.json"
jq '.graded_at = "2024-05-02T09:00:00Z"' "$fixtures/history/cy-week1.json" \
  >"$out/cy-week1.json"
# Run from the class's folder, as a mentor would: the pages then name the
# results files as given.
cd "$class" || exit 1
check "report --html writes the reference solutions' page (exit 0)" \
  quiet "$out/ada.log" report --html ada.html ada.json
check "report --html with --history and --repo writes cy's page (exit 0)" \
  quiet "$out/cy.log" report --html cy.html --repo "$fixtures/repo" \
  --history "$out/cy-week1.json" cy.json
check "report --class merges three learners' results (exit 0)" \
  quiet "$out/class.log" report --class index.html ada.json bob.json cy.json
cd "$root" || exit 1
check "report --html writes a page from a results file with a leak (exit 0)" \
  quiet "$out/leak.log" report --html "$out/leak.html" \
  tests/fixtures/results/single/leak.json

self_contained() { # nothing to fetch: no URL, no src, no link but #anchors
  local page=$1
  ! grep -Eiq 'https?:|<link|<iframe|<object|<embed|@import|url\(' "$page" &&
    ! grep -Eoi '(src|href)="[^"]*"' "$page" | grep -Eqv 'href="(#|[A-Za-z0-9_.-]+\.html")'
}
check "the pages hold no URL, no external script, style, font or image" \
  self_contained "$class/ada.html"
check "cy's page too (notes rendered, history drawn)" self_contained "$class/cy.html"
check "the leak page shows the learner's line: tests/submissions/leak/00-sum/sum.c:16" \
  grep -q 'class="l hit"><span class="n">16</span>  char \*scratch = malloc(64);' \
  "$out/leak.html"

# --- grading first, and grade --format html=FILE ---------------------
check "report --html grades first when no results file is given" \
  quiet "$out/graded.log" report --html "$out/graded.html" \
  --katas tests/fixtures/katas --from tests/submissions/warning
check "the graded page quotes the warning's line (sum.c:15)" \
  grep -q 'class="l hit"><span class="n">15</span>' "$out/graded.html"
grade_html() {
  ./senior-check grade --katas tests/fixtures/katas 00-sum \
    --from tests/submissions/leak --format "html=$out/format.html" \
    >"$out/format.log" 2>&1
  [ $? -eq 1 ] && grep -q 'malloc(64)' "$out/format.html"
}
check "grade --format html=FILE writes the page beside the other outputs" grade_html

# --- the class page and its bad input ---------------------------------
check "the class page links the learners' pages that exist beside their results" \
  bash -c "grep -q 'href=\"ada.html\"' '$class/index.html' &&
           grep -q 'href=\"cy.html\"' '$class/index.html' &&
           ! grep -q 'href=\"bob.html\"' '$class/index.html'"
links_from_elsewhere() { # the class page in another folder than the results
  report --class "$out/all.html" "$class"/ada.json "$class"/bob.json \
    "$class"/cy.json >/dev/null 2>&1 &&
    grep -q 'href="class/ada.html"' "$out/all.html"
}
check "the links are relative to the class page's folder" links_from_elsewhere

bad_row() { # bad_row NEEDLE ARGS...: the page written, its row says why,
  # exit 2 and exactly one line naming NEEDLE
  local needle=$1
  shift
  rm -f "$out/x.html"
  report "$@" >"$out/bad.out" 2>"$out/bad.err"
  local rc=$?
  sed 's/^/# /' "$out/bad.err"
  [ $rc -eq 2 ] && [ "$(wc -l <"$out/bad.err")" -eq 1 ] &&
    grep -q "$needle" "$out/bad.err" && [ -s "$out/x.html" ] &&
    sed -n '/<tbody class="unsorted bad">/,/<\/tbody>/p' "$out/x.html" |
    grep -q "$(printf '%s' "$needle" | sed "s/'/\\&#39;/g")"
}
echo '{"not": "a results file"}' >"$out/other/eve.json"
check "a file that is not a results file: the page is written, its row says why, one line, exit 2" \
  bad_row "other/eve.json' is not a results file" --class "$out/x.html" \
  "$class/ada.json" "$out/other/eve.json"
cp "$fixtures/bob.json" "$out/other/ada.json"
check "two files for one learner: the second's row names both, exit 2" \
  bad_row "other/ada.json'.*class/ada.json" --class "$out/x.html" "$class/ada.json" \
  "$out/other/ada.json"
cp "$fixtures/single/leak.json" "$out/other/dan.json"
check "results of different katas: that file's row says so, exit 2" \
  bad_row "other/dan.json': grades" --class "$out/x.html" "$class/ada.json" \
  "$out/other/dan.json"
only_bad() {
  rm -f "$out/y.html"
  report --class "$out/y.html" "$out/other/eve.json" >/dev/null 2>"$out/bad.err"
  [ $? -eq 2 ] && [ "$(wc -l <"$out/bad.err")" -eq 1 ] && [ ! -e "$out/y.html" ]
}
check "no usable results file at all: one line, exit 2, no page" only_bad
report --class "$out/mixed.html" "$class/ada.json" "$class/bob.json" \
  "$class/cy.json" "$out/other/eve.json" >/dev/null 2>&1

# --- the class as CSV --------------------------------------------------
csv_check() { # the CSV read back by Python's csv module (what spreadsheets
  # follow): a row per learner, kata and gate, the points adding up to
  # each learner's score, CRLF line ends, the bad file's row saying why
  report --class-csv "$out/class.csv" "$class/ada.json" "$class/bob.json" \
    "$class/cy.json" "$out/other/eve.json" >/dev/null 2>&1
  [ $? -eq 2 ] || return 1
  local want
  want=$(for l in ada bob cy; do echo "$l $(jq -r .score "$class/$l.json")"; done)
  python3 - "$out/class.csv" "$want" <<'PY'
import csv, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.count(b'\n') == raw.count(b'\r\n'), 'a line not ended by CRLF'
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
want = dict(l.split() for l in sys.argv[2].splitlines())
got = {}
for r in rows:
    if r['status'] == 'unreadable':
        assert r['learner'] == 'eve' and 'not a results file' in r['note'], r
        continue
    assert r['gate'] in ('build', 'tests', 'memcheck', 'timing', 'coverage', 'strict'), r
    assert 0 <= int(r['points']) <= int(r['max_points']), r
    got[r['learner']] = got.get(r['learner'], 0) + int(r['points'])
assert {k: str(v) for k, v in got.items()} == want, (got, want)
assert len(rows) == 3 * 4 * 6 + 1, len(rows)
print('# %d rows; points per learner %s' % (len(rows), got))
PY
}
check "report --class-csv: RFC 4180, a row per learner, kata and gate, points adding up, the bad file's row" \
  csv_check

# --- in the browser ---------------------------------------------------
# A results file whose strings carry markup: it must run nothing.
hostile='<script>window.pwned=true;alert(1)</script><img src=x onerror="window.pwned=true"> & "quoted"'
jq --arg h "$hostile" '.katas[0].title = $h |
  .katas[0].gates[2].message = $h |
  .katas[0].gates[2].locations[0].message = $h |
  .findings = [{"path": $h, "change": "modified"}]' \
  "$fixtures/single/leak.json" >"$out/hostile.json"
report --html "$out/hostile.html" "$out/hostile.json" >/dev/null 2>&1

skip_browser() {
  echo "# skipped: $1"
  exit 0
}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "# installing Debian's chromium for the browser checks"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -qq chromium ||
      { apt-get update -qq && apt-get install -y -qq chromium; }; } \
      >"$out/apt.log" 2>&1
  fi
  command -v chromium >/dev/null 2>&1 ||
    skip_browser "the browser checks need Debian's chromium (apt-get install chromium)"
fi
command -v npm >/dev/null 2>&1 || skip_browser "the browser checks need node and npm"
browser="$root/build/browser"
if ! cmp -s "$root/tests/browser/package-lock.json" "$browser/package-lock.json" ||
  [ ! -d "$browser/node_modules/playwright-core" ]; then
  mkdir -p "$browser"
  cp "$root/tests/browser/package.json" "$root/tests/browser/package-lock.json" "$browser/"
  if ! npm ci --prefix "$browser" --ignore-scripts --no-audit --no-fund \
    >"$out/npm.log" 2>&1; then
    check "playwright-core installs from the lock file (npm ci into build/browser)" false
    tail -n 5 "$out/npm.log" | sed 's/^/# /'
    exit 0
  fi
fi

cat >"$out/spec.json" <<EOF
{"chromium": "$(command -v chromium)", "shots": "$out/shots",
 "pages": [
  {"kind": "learner", "name": "the reference solutions' page",
   "file": "$class/ada.html", "katas": 4, "score": "400/400",
   "level": "senior", "integrity": "Unofficial",
   "shot": "learner.png", "topShot": "learner-top.png"},
  {"kind": "learner", "name": "cy's page", "file": "$class/cy.html",
   "katas": 4, "score": "305/400", "level": "senior in training",
   "history": 2, "timeAxis": true, "phases": true, "repro": true,
   "shot": "learner-notes.png", "shotOf": "#kata-01-predict-order",
   "narrowShot": "learner-375.png", "print": true, "pdf": "$out/cy.pdf"},
  {"kind": "learner", "name": "the leak page", "file": "$out/leak.html",
   "katas": 1, "score": "85/100", "level": "senior in training",
   "quoted": 1, "repro": true, "shot": "learner-leak.png"},
  {"kind": "class", "name": "the class page", "file": "$class/index.html",
   "learners": 3, "katas": 4, "sortBy": "03-backpressure-leak",
   "expectFirst": "cy", "links": ["ada.html", "cy.html"],
   "groups": [["unofficial", ["ada", "cy"]], ["changed", ["bob"]]],
   "shot": "class.png", "narrowShot": "class-375.png"},
  {"kind": "class", "name": "the class page with an unreadable file",
   "file": "$out/mixed.html", "learners": 3, "katas": 4,
   "sortBy": "03-backpressure-leak", "expectFirst": "cy",
   "groups": [["unofficial", ["ada", "cy"]], ["changed", ["bob"]],
              ["unsorted bad", ["eve"]]],
   "badWhy": "is not a results file"},
  {"kind": "hostile", "name": "a page from hostile results",
   "file": "$out/hostile.html",
   "text": $(jq -n --arg h "$hostile" '$h')}
 ]}
EOF
relay < <(node "$root/tests/browser/check.js" "$browser" "$out/spec.json" 2>&1)

# The printed page, as a mentor's printer gets it: the failing tests that
# are folded on screen (cy's 03 has 8: 5 open, 3 folded) are on paper.
folded_tests_printed() {
  local name missing=0
  [ -s "$out/cy.pdf" ] || return 1
  pdftotext -layout "$out/cy.pdf" "$out/cy.txt" || return 1
  # pdftotext breaks long names across lines: compare without blanks.
  tr -d ' \n' <"$out/cy.txt" >"$out/cy.flat"
  for name in $(jq -r '.katas[1].gates[1].tests[] | select(.status != "pass") |
      .name' "$class/cy.json" | tail -n 3); do
    grep -qF "$name" "$out/cy.flat" || { echo "# not printed: $name"; missing=1; }
  done
  [ $missing -eq 0 ]
}
if command -v pdftotext >/dev/null 2>&1; then
  check "the printed page (PDF) holds the failing tests folded on screen" \
    folded_tests_printed
  if [ -s "$out/cy.pdf" ] && [ -d "$out/shots" ]; then
    # The page of the PDF with kata 03's failing tests, as an image.
    pdfpage=$(python3 - "$out/cy.txt" <<'PY'
import sys
pages = open(sys.argv[1]).read().split('\f')
hit = [i for i, p in enumerate(pages) if 'Failing tests' in p]
print(hit[0] + 1 if hit else 1)
PY
)
    pdftoppm -png -r 60 -f "$pdfpage" -l "$pdfpage" -singlefile "$out/cy.pdf" \
      "$out/shots/learner-print"
  fi
else
  echo "# skipped: the print check needs pdftotext (apt-get install poppler-utils)"
fi

if [ "${UPDATE_SCREENSHOTS:-}" = 1 ] && [ -d "$out/shots" ]; then
  mkdir -p "$root/docs/screenshots"
  cp "$out"/shots/*.png "$root/docs/screenshots/"
  echo "# screenshots copied into docs/screenshots/"
fi
