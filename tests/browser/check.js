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


// The WCAG contrast of every piece of text on the page: HTML text against
// the first opaque background behind it, SVG text against the shape
// drawn under it (or the page's background). Returns the failures.
function contrastFailures(page, least) {
  return page.evaluate((least) => {
    const rgb = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const v = m[1].split(',').map((x) => parseFloat(x));
      return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
    };
    const lum = (c) => {
      const f = (x) => {
        x /= 255;
        return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const ratio = (a, b) => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const background = (el) => {
      for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const fails = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || seen.has(el)) continue;
      seen.add(el);
      if (el.closest('title')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      let fg, bg;
      if (el instanceof SVGElement) {
        fg = rgb(getComputedStyle(el).fill);
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        const under = document.elementsFromPoint(x, y).find((e) =>
          e !== el && e instanceof SVGElement && /^(rect|circle)$/.test(e.tagName) &&
          rgb(getComputedStyle(e).fill) && rgb(getComputedStyle(e).fill).a > 0.5);
        bg = under ? rgb(getComputedStyle(under).fill) : background(el.closest('svg'));
      } else {
        fg = rgb(getComputedStyle(el).color);
        bg = background(el);
      }
      if (!fg) continue;
      const r = ratio(fg, bg);
      if (r < least) {
        fails.push(`${r.toFixed(2)}:1 '${n.textContent.trim().slice(0, 40)}' ` +
          `(${getComputedStyle(el)[el instanceof SVGElement ? 'fill' : 'color']} on ` +
          `rgb(${bg.r}, ${bg.g}, ${bg.b}))`);
      }
    }
    return fails;
  }, least);
}

// A phone's width: nothing may scroll the page sideways.
async function narrow(context, p) {
  const name = p.name || path.basename(p.file);
  const page = await context.newPage();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto('file://' + path.resolve(p.file), { waitUntil: 'load' });
  const facts = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = Array.from(document.querySelectorAll('body *')).filter((e) => {
      const r = e.getBoundingClientRect();
      return r.right > width + 1 && !e.closest('table, pre, svg');
    }).slice(0, 5).map((e) => `${e.tagName}.${e.className}`);
    const tables = Array.from(document.querySelectorAll('table')).filter((t) =>
      t.getBoundingClientRect().right > width + 1);
    return {
      width, scroll: document.documentElement.scrollWidth, wide,
      tables: tables.length,
    };
  });
  report(facts.scroll <= facts.width && facts.wide.length === 0 &&
    facts.tables === 0,
  `${name}: at 375 px the page does not scroll sideways (tables scroll in their own box)`,
  JSON.stringify(facts));
  await shoot(page, p.narrowShot, true);
  await page.close();
}

// Printing: every folded <details> is printed open, and the PDF holds the
// failing tests that were folded on screen.
async function printed(context, p) {
  const name = p.name || path.basename(p.file);
  const page = await context.newPage();
  await page.goto('file://' + path.resolve(p.file), { waitUntil: 'load' });
  const hidden = () => page.evaluate(() => Array.from(
    document.querySelectorAll('details:not([open]) > :not(summary)'))
    .filter((e) => !e.checkVisibility()).length);
  const onScreen = await hidden();
  await page.emulateMedia({ media: 'print' });
  const onPaper = await hidden();
  report(onScreen > 0 && onPaper === 0,
    `${name}: in print, the ${onScreen} folded parts (failing tests, the suite) are open`,
    `folded and hidden: on screen ${onScreen}, in print ${onPaper}`);
  if (p.pdf) await page.pdf({ path: p.pdf, format: 'A4', printBackground: true });
  await page.close();
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
  if (p.repro) {
    const repro = await page.evaluate(() => {
      const missing = [];
      let failing = 0;
      document.querySelectorAll('section[id^="kata-"]').forEach((s) => {
        const kata = s.querySelector('h2').textContent.trim();
        s.querySelectorAll('table.gates tr[data-gate]').forEach((tr) => {
          if (/pass|skip/.test(tr.querySelector('.badge').className)) return;
          failing++;
          const li = s.querySelector(`.repro li[data-gate="${tr.dataset.gate}"]`);
          const cmd = li && Array.from(li.querySelectorAll('code.cmd'))
            .some((c) => c.textContent.includes('./senior-check') &&
              c.textContent.includes(kata));
          if (!cmd) missing.push(`${kata} ${tr.dataset.gate}`);
        });
        s.querySelectorAll('.evidence[data-test]').forEach((e) => {
          const c = e.querySelector('code.cmd:last-child');
          if (!c || !c.textContent.endsWith(' ' + e.dataset.test)) {
            missing.push(`${kata} test ${e.dataset.test}`);
          }
        });
      });
      return { failing, missing };
    });
    report(repro.failing > 0 && repro.missing.length === 0,
      `${name}: each of the ${repro.failing} failing gates and each failing test carries the command that reproduces it`,
      JSON.stringify(repro));
  }
  if (p.timeAxis) {
    const axis = await page.evaluate(() => {
      const svg = document.querySelector('#history svg');
      const xs = Array.from(document.querySelectorAll('#history g[data-when]'))
        .map((g) => [Number(g.dataset.when),
          Number(g.querySelector('circle').getAttribute('cx'))]);
      return { axis: svg && svg.dataset.axis, xs };
    });
    report(axis.axis === 'time' && axis.xs.length >= 2 &&
      axis.xs.every((p, i) => i === 0 || (p[0] > axis.xs[i - 1][0] && p[1] > axis.xs[i - 1][1])),
    `${name}: the history is placed by graded_at, oldest left`, JSON.stringify(axis));
  }
  const low = await contrastFailures(page, 4.5);
  report(low.length === 0, `${name}: every text has a contrast of at least 4.5:1`,
    low.slice(0, 10).join('\n'));
  await shoot(page, p.shot, true, p.shotOf);
  if (p.topShot) await shoot(page, p.topShot, false);
  await page.close();
  if (p.narrowShot) await narrow(context, p);
  if (p.print) await printed(context, p);
}

// Reads the learners' order and the values of column col.
function column(page, col) {
  return page.evaluate((c) => Array.from(document.querySelectorAll(
    '#learners tbody:not(.unsorted) tr:not(.group)')).map((tr) => ({
    name: tr.cells[0].getAttribute('data-sort'),
    value: parseFloat(tr.cells[c].getAttribute('data-sort')),
    group: tr.parentElement.className,
  })), col);
}

// Whether the rows are sorted within each group (groups are ranked apart).
function sorted(rows, up) {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].group !== rows[i - 1].group) continue;
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
    rows: document.querySelectorAll(
      '#learners tbody:not(.unsorted) tr:not(.group)').length,
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
  if (p.groups) {
    const groups = await page.evaluate(() => Array.from(
      document.querySelectorAll('#learners tbody')).map((b) => ({
      group: b.className,
      names: Array.from(b.rows).filter((r) => !r.classList.contains('group'))
        .map((r) => r.cells[0].textContent.trim()),
      why: Array.from(b.querySelectorAll('td.why')).map((td) => td.textContent),
    })));
    report(JSON.stringify(groups.map((g) => [g.group, g.names])) ===
      JSON.stringify(p.groups),
    `${name}: unofficial results with protected changes ranked apart, after a sort too`,
    JSON.stringify(groups));
    if (p.badWhy) {
      const bad = groups.find((g) => g.group.includes('bad'));
      report(bad !== undefined && bad.why.some((w) => w.includes(p.badWhy)),
        `${name}: the unreadable file's row says why ('${p.badWhy}')`,
        JSON.stringify(groups));
    }
  }
  await page.click(`#learners thead th:nth-child(1) button`);
  const low = await contrastFailures(page, 4.5);
  report(low.length === 0, `${name}: every text has a contrast of at least 4.5:1`,
    low.slice(0, 10).join('\n'));
  await shoot(page, p.shot, true);
  await page.close();
  if (p.narrowShot) await narrow(context, p);
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
