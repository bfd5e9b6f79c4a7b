#!/usr/bin/env bash
# Validates the JUnit outputs against the Jenkins xunit plugin's own
# junit-10.xsd, which no package on this project's machines carries: get
# it from jenkinsci/xunit-plugin
# (src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd)
# and pass its path.
#
#   tests/manual/junit-10.sh PATH/TO/junit-10.xsd
#
# The junit file of a leak, a compile error and hostile text must
# validate; the junit-locations file must not (junit-10.xsd allows no
# file or line on a test case). Exits 0 when all of that holds.
set -uo pipefail

xsd=${1:?usage: tests/manual/junit-10.sh PATH/TO/junit-10.xsd}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root" || exit 2

status=0
for submission in leak compile-error attack-hostile-text; do
  ./senior-check grade --katas tests/fixtures/katas 00-sum \
    --from "tests/submissions/$submission" \
    --format "junit=$out/$submission.xml" \
    --format "junit-locations=$out/$submission-locations.xml" \
    >/dev/null 2>&1
  if xmllint --noout --schema "$xsd" "$out/$submission.xml" 2>/dev/null; then
    echo "ok - $submission: junit validates against junit-10.xsd"
  else
    echo "not ok - $submission: junit does not validate against junit-10.xsd"
    status=1
  fi
  if grep -q ' line="' "$out/$submission-locations.xml" &&
    xmllint --noout --schema "$xsd" "$out/$submission-locations.xml" \
      2>/dev/null; then
    echo "not ok - $submission: junit-locations validates, so it lost its lines"
    status=1
  else
    echo "ok - $submission: junit-locations carries file/line outside junit-10.xsd"
  fi
done
exit $status
