// Reads the JUnit files selftest kept with test-results-parser (the parser
// of the test-results-reporter tools) and compares its totals with the
// grader's, from the results file beside each.
//
//   NODE_PATH=DIR node junit_totals.js OUTPUT_DIR...
//
// Prints one "# NAME: problem" line per problem and exits 1 when there is
// any. test-results-parser leaves skipped cases out of its total, and
// counts as passed what is neither failed, an error nor skipped.
'use strict';

const fs = require('fs');
const path = require('path');
const { parse } = require('test-results-parser');

function graderTotals(results) {
  const t = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 };
  for (const kata of results.katas) {
    const statuses = (kata.gates[1].tests || []).map((x) => x.status)
      .concat(kata.gates.map((g) => g.status));
    for (const s of statuses) {
      if (s === 'skip') t.skipped++;
      else {
        t.total++;
        if (s === 'fail') t.failed++;
        else if (s === 'error') t.errors++;
        else t.passed++;
      }
    }
  }
  return t;
}

let problems = 0;
for (const folder of process.argv.slice(2)) {
  const results = JSON.parse(
    fs.readFileSync(path.join(folder, 'results.json'), 'utf8'));
  const want = graderTotals(results);
  for (const file of ['junit.xml', 'junit-locations.xml']) {
    const read = parse({ type: 'junit', files: [path.join(folder, file)] });
    const got = {
      total: read.total, passed: read.passed, failed: read.failed,
      errors: read.errors, skipped: read.skipped,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      console.log(`# ${folder}/${file}: test-results-parser reads ` +
        `${JSON.stringify(got)}, the grader ${JSON.stringify(want)}`);
      problems++;
    }
  }
}
if (problems === 0)
  console.log(`# test-results-parser read ${process.argv.length - 2} folders`);
process.exit(problems ? 1 : 0);
