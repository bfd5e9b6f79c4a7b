// Opens the mentor's pages in headless Chromium, as a mentor would, and
// prints one "ok - ..." or "not ok - ..." line per check (the calling
// script numbers them), with "# ..." lines saying why a check failed.
//
// usage: node check.js MODULES_DIR SPEC.json
//   MODULES_DIR  where `npm ci` installed playwright-core (build/browser)
//   SPEC.json    {"chromium": "/usr/bin/chromium", "shots": DIR or null,
//                 "pages": [{"kind": "learner"|"class"|"hostile",
//                            "file": PATH, "shot": NAME or null, ...}]}
//
// Exits 0 when it could run the checks (whatever they found), 2 when it
// could not start at all.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const [modulesDir, specPath] = process.argv.slice(2);
if (!modulesDir || !specPath) {
  console.error('usage: node check.js MODULES_DIR SPEC.json');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const { chromium } = createRequire(path.join(path.resolve(modulesDir),
  'package.json'))('playwright-core');

// The flags Chromium needs on a machine without network or GPU: no sandbox
// (we run as root), nothing fetched in the background.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

function report(ok, description, why) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${description}`);
  if (!ok && why) {
    for (const line of String(why).split('\n')) console.log(`# ${line}`);
  }
}

// Opens file in a new tab and records every request, failed request,
// console error, uncaught error and dialog the page causes.
async function open(context, file) {
  const page = await context.newPage();
  const seen = { requests: [], failed: [], errors: [], dialogs: [] };
  page.on('request', (r) => seen.requests.push(r.url()));
  page.on('requestfailed', (r) => seen.failed.push(
    `${r.url()}: ${r.failure() ? r.failure().errorText : '?'}`));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.errors.push(m.text());
  });
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('dialog', (d) => {
    seen.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  const url = 'file://' + path.resolve(file);
  await page.goto(url, { waitUntil: 'load' });
  seen.url = url;
  return { page, seen };
}

// The checks every page must pass: it loaded, fetched nothing but itself,
// and logged no error.
function checkLoaded(name, seen) {
  const others = seen.requests.filter((u) => u !== seen.url);
  report(seen.failed.length === 0 && seen.errors.length === 0,
    `${name}: loads without a failed request or a console error`,
    seen.failed.concat(seen.errors).join('\n'));
  report(others.length === 0,
    `${name}: fetches nothing beyond the page itself`, others.join('\n'));
}

// Saves a screenshot called name: of the element matching selector when
// one is given, else of the viewport or the whole page.
async function shoot(page, name, fullPage, selector) {
  if (!spec.shots || !name) return;
  fs.mkdirSync(spec.shots, { recursive: true });
  const file = path.join(spec.shots, name);
  if (selector) await page.locator(selector).first().screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage });
}

async function learner(context, p) {
  const { page, seen } = await open(context, p.file);
  const name = p.name || path.basename(p.file);
  checkLoaded(name, seen);
  const facts = await page.evaluate(() => ({
    katas: document.querySelectorAll('section[id^="kata-"]').length,
    gateTables: document.querySelectorAll('table.gates').length,
    gateRows: document.querySelectorAll('table.gates tbody tr').length,
    overviewCells: document.querySelectorAll('svg.chart').length > 0
      ? document.querySelectorAll('svg.chart')[0].querySelectorAll('rect').length
      : 0,
    timingBars: document.querySelectorAll('td.plot svg.bar').length,
    score: (document.querySelector('header .score') || {}).textContent || '',
    level: (document.querySelector('header .level') || {}).textContent || '',
    history: document.querySelectorAll('#history polyline').length,
    historyPoints: document.querySelectorAll('#history circle').length,
    prose: document.querySelectorAll('.prose h4, .prose h5').length,
    phases: Array.from(document.querySelectorAll('table.phases td'))
      .map((td) => td.textContent.trim()),
    quoted: document.querySelectorAll('pre.src .hit').length,
    integrity: (document.querySelector('.banner') || {}).textContent || '',
  }));
  report(facts.katas === p.katas && facts.gateTables === p.katas &&
    facts.gateRows === 6 * p.katas,
  `${name}: a section and a six-gate table for each of the ${p.katas} katas`,
  JSON.stringify(facts));
  report(facts.overviewCells >= 6 * p.katas && facts.timingBars > 0,
    `${name}: the chart by kata and gate, and a bar per threshold`,
    JSON.stringify(facts));
  report(facts.score.replace(/\s+/g, '').startsWith(p.score) &&
    facts.level.includes(p.level),
  `${name}: shows the score ${p.score} and the level '${p.level}'`,
  `score '${facts.score}', level '${facts.level}'`);
  if (p.history) {
    report(facts.history === 1 && facts.historyPoints === p.history,
      `${name}: the score over time, ${p.history} points on a line`,
      JSON.stringify(facts));
  }
  if (p.phases) {
    report(facts.prose > 0 && facts.phases.length === 7 &&
      facts.phases.every((t) => /[1-9]/.test(t)),
    `${name}: the notes rendered, naming all seven loop phases`,
    JSON.stringify(facts.phases));
  }
  if (p.quoted) {
    report(facts.quoted >= p.quoted,
      `${name}: the learner's line quoted and marked (${p.quoted})`,
      `marked lines: ${facts.quoted}`);
  }
  if (p.integrity) {
    report(facts.integrity.includes(p.integrity),
      `${name}: integrity first: '${p.integrity}'`, facts.integrity);
  }
  await shoot(page, p.shot, true, p.shotOf);
  if (p.topShot) await shoot(page, p.topShot, false);
  await page.close();
}

// Reads the learners' order and the values of column col.
function column(page, col) {
  return page.evaluate((c) => Array.from(
    document.querySelectorAll('#learners tbody tr')).map((tr) => ({
    name: tr.cells[0].getAttribute('data-sort'),
    value: parseFloat(tr.cells[c].getAttribute('data-sort')),
  })), col);
}

function sorted(rows, up) {
  for (let i = 1; i < rows.length; i++) {
    const d = rows[i].value - rows[i - 1].value;
    if (up ? d < 0 : d > 0) return false;
  }
  return true;
}

async function classPage(context, p) {
  const { page, seen } = await open(context, p.file);
  const name = p.name || path.basename(p.file);
  checkLoaded(name, seen);
  const facts = await page.evaluate(() => ({
    rows: document.querySelectorAll('#learners tbody tr').length,
    heads: Array.from(document.querySelectorAll('#learners thead th'))
      .map((th) => th.textContent.trim()),
    dots: document.querySelectorAll('#distribution circle').length,
    boxes: document.querySelectorAll('#distribution rect').length,
    links: Array.from(document.querySelectorAll('#learners a'))
      .map((a) => a.getAttribute('href')),
  }));
  report(facts.rows === p.learners,
    `${name}: a row for each of the ${p.learners} learners`,
    JSON.stringify(facts));
  report(facts.dots === p.learners * p.katas && facts.boxes === p.katas,
    `${name}: the spread of each kata's scores, a box per kata and a dot per learner`,
    JSON.stringify(facts));
  if (p.links !== undefined) {
    report(JSON.stringify(facts.links.sort()) === JSON.stringify(p.links),
      `${name}: links to the learners' pages beside their results`,
      JSON.stringify(facts.links));
  }
  // Sorting as a mentor does it: click a kata's header, read the rows.
  const col = facts.heads.indexOf(p.sortBy);
  const before = await column(page, col);
  await page.click(`#learners thead th:nth-child(${col + 1}) button`);
  const up = await column(page, col);
  await page.click(`#learners thead th:nth-child(${col + 1}) button`);
  const down = await column(page, col);
  const aria = await page.getAttribute(
    `#learners thead th:nth-child(${col + 1})`, 'aria-sort');
  report(col > 0 && sorted(up, true) && sorted(down, false) &&
    aria === 'descending' && up.length === p.learners &&
    up.map((r) => r.name).join() !== down.map((r) => r.name).join(),
  `${name}: a click on '${p.sortBy}' sorts the learners by it; a second reverses`,
  `before ${JSON.stringify(before)}\nafter one click ${JSON.stringify(up)}\n` +
    `after two ${JSON.stringify(down)}`);
  if (p.expectFirst) {
    report(up.length > 0 && up[0].name === p.expectFirst,
      `${name}: sorted by '${p.sortBy}', '${p.expectFirst}' comes first`,
      JSON.stringify(up));
  }
  await page.click(`#learners thead th:nth-child(1) button`);
  await shoot(page, p.shot, true);
  await page.close();
}

// A results file whose messages carry markup: nothing of it may run, and
// the mentor must read it as text.
async function hostile(context, p) {
  const { page, seen } = await open(context, p.file);
  const name = p.name || path.basename(p.file);
  const facts = await page.evaluate((text) => ({
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
    shown: document.body.textContent.includes(text),
    pwned: window.pwned === true,
  }), p.text);
  report(seen.dialogs.length === 0 && !facts.pwned && facts.scripts === 0 &&
    facts.images === 0 && seen.requests.length === 1,
  `${name}: markup in the results runs nothing and loads nothing`,
  JSON.stringify({ facts, seen }));
  report(facts.shown, `${name}: and is shown as the text it is`,
    JSON.stringify(facts));
  await page.close();
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'senior-check-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: spec.chromium || '/usr/bin/chromium',
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
  } catch (e) {
    console.log(`not ok - headless Chromium starts\n# ${String(e).split('\n')[0]}`);
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(0);
  }
  for (const p of spec.pages) {
    try {
      if (p.kind === 'learner') await learner(context, p);
      else if (p.kind === 'class') await classPage(context, p);
      else await hostile(context, p);
    } catch (e) {
      report(false, `${p.name || p.file}: the checks run to their end`,
        String(e.stack || e));
    }
  }
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
})().catch((e) => {
  console.log(`not ok - the browser checks run\n# ${String(e)}`);
  process.exit(0);
});
