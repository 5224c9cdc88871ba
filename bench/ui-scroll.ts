/**
 * `npm run bench:ui`: how the web client copes with a long room, in Chromium. A real `parley serve`
 * gets a data directory pre-filled with 50,000 messages (written with LevelMessageStore, as the
 * server stores them); the built web client joins it and scrolls back page after page. Measured:
 * the time from the Join click to the latest message rendered, frame times while scrolling up
 * (requestAnimationFrame deltas, long tasks), JS heap and DOM nodes after opening and after
 * scrolling (CDP Performance.getMetrics, after a garbage collection). Baselines in the same run:
 * a room of 100 messages, and the same long room with virtualization switched off
 * (`?virtual-list=off`). Figures, not assertions: bench/results/ui-latest.{json,md}.
 *
 * Tunable: PARLEY_BENCH_UI_MESSAGES (50000), PARLEY_BENCH_UI_PAGES (pages scrolled back, 20),
 * PARLEY_BENCH_UI_RUNS (joins per case, 3), PARLEY_CHROMIUM (browser path).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type LaunchOptions, type Page } from '@playwright/test';
import { findChromium, SYSTEM_CHROMIUM_ARGS } from '../scripts/chromium.mjs';
import { measuredCommit } from './processes';

// Built into out/bench-ui: the checkout is two folders up.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parley.mjs');

const count = (name: string, fallback: number) => {
  const value = Number(process.env[`PARLEY_BENCH_UI_${name}`] ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`PARLEY_BENCH_UI_${name} must be a positive whole number`);
  }
  return value;
};
/** Writes the history with bench/ui-prefill.ts (server code, built beside this file). */
function prefillHistory(dataDir: string, messages: number): void {
  const script = fileURLToPath(new URL('ui-prefill.js', import.meta.url));
  execFileSync(process.execPath, [script, dataDir, String(messages)], { stdio: 'inherit' });
}

const config = {
  messages: count('MESSAGES', 50_000),
  pages: count('PAGES', 20),
  runs: count('RUNS', 3),
};
/** The page size of a join and of each scroll-back page (LIMITS.joinHistoryLength). */
const PAGE = 100;

/** The launch options of playwright.config.ts: the Chromium of scripts/chromium.mjs. */
function launchOptions(): LaunchOptions {
  const found = findChromium();
  if (!found.path) throw new Error(found.problem);
  return found.own ? {} : { executablePath: found.path, args: SYSTEM_CHROMIUM_ARGS };
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** `parley serve` on loopback, any free port, over the given data directory. */
async function startServer(dataDir: string): Promise<Server> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--name', 'Bench'],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`parley serve did not start:\n${output}`)),
      60_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      // The URLs to join are printed indented, one a line.
      const match = /^\s+(https?:\/\/\S+)\s*$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        done(match[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', () => fail(new Error(`parley serve exited:\n${output}`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}

interface Metrics {
  jsHeapMb: number;
  domNodes: number;
  /** `<li>` elements in the message log: what the list keeps rendered. */
  renderedEntries: number;
}

async function metrics(page: Page): Promise<Metrics> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const get = (name: string) => list.find((metric) => metric.name === name)?.value ?? NaN;
  const renderedEntries = await page
    .getByRole('log', { name: 'Messages', exact: true })
    .evaluate((log) => log.querySelectorAll('li').length);
  return { jsHeapMb: get('JSHeapUsedSize') / 2 ** 20, domNodes: get('Nodes'), renderedEntries };
}

const needle = (id: number) => `Stored message number ${id}:`;

/** Joins and returns the ms from the Join click to the first frame showing the latest message. */
async function joinRoom(page: Page, latest: number): Promise<number> {
  await page.getByLabel('Nickname', { exact: true }).fill('reader');
  const rendered = page.evaluate(
    (text) =>
      new Promise<number>((done) => {
        let clicked = 0;
        document.addEventListener('click', () => (clicked = performance.now()), {
          capture: true,
          once: true,
        });
        const shown = () =>
          [...document.querySelectorAll('[role=log] li')].some((item) =>
            item.textContent?.includes(text),
          );
        const observer = new MutationObserver(() => {
          if (!shown()) return;
          observer.disconnect();
          requestAnimationFrame(() => done(performance.now() - clicked));
        });
        observer.observe(document.body, { childList: true, subtree: true });
      }),
    needle(latest),
  );
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  return rendered;
}

interface ScrollFigures {
  frames: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Frames over 50 ms: visible hitches. */
  slowFrames: number;
  longTasks: number;
  longTaskMs: number;
  seconds: number;
  /** The oldest message rendered when scrolling stopped. */
  reached: number;
}

/**
 * Scrolls the log up 60 px a frame (about 3,600 px/s at 60 Hz), the pages loading as it goes,
 * until the message `target` is rendered; records every frame's duration and the long tasks.
 */
async function scrollBack(page: Page, target: number): Promise<ScrollFigures> {
  const raw = await page.getByRole('log', { name: 'Messages', exact: true }).evaluate(
    (log, [goal, text]) =>
      new Promise<{ deltas: number[]; tasks: number[]; seconds: number; reached: number }>(
        (done) => {
          const deltas: number[] = [];
          const tasks: number[] = [];
          const observer = new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) tasks.push(entry.duration);
          });
          observer.observe({ type: 'longtask' });
          const oldest = () => {
            const first = [...log.querySelectorAll('li')]
              .map((item) => new RegExp(`${text}(\\d+):`).exec(item.textContent ?? '')?.[1])
              .find(Boolean);
            return first ? Number(first) : Number.POSITIVE_INFINITY;
          };
          const started = performance.now();
          let last = started;
          const frame = (now: number) => {
            deltas.push(now - last);
            last = now;
            const reached = oldest();
            if (reached <= goal || now - started > 120_000) {
              observer.disconnect();
              done({ deltas, tasks, seconds: (now - started) / 1000, reached });
              return;
            }
            // A wheel turn, as a reader's (the list follows the bottom until the reader scrolls;
            // a synthetic wheel event scrolls nothing itself), then the scroll it would make.
            log.dispatchEvent(new WheelEvent('wheel', { deltaY: -60, bubbles: true }));
            log.scrollTop -= 60;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame((now) => {
            last = now;
            requestAnimationFrame(frame);
          });
        },
      ),
    [target, 'Stored message number '] as const,
  );
  const sorted = [...raw.deltas].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    frames: sorted.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1)!,
    slowFrames: sorted.filter((delta) => delta > 50).length,
    longTasks: raw.tasks.length,
    longTaskMs: raw.tasks.reduce((sum, duration) => sum + duration, 0),
    seconds: raw.seconds,
    reached: raw.reached,
  };
}

interface CaseResult {
  name: string;
  stored: number;
  virtualized: boolean;
  /** Join click → latest message on screen, ms, one per fresh browser context. */
  openMs: number[];
  openMedianMs: number;
  afterOpen: Metrics;
  scroll: ScrollFigures | null;
  afterScroll: Metrics | null;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function runCase(
  browser: Browser,
  server: Server,
  name: string,
  stored: number,
  virtualized: boolean,
): Promise<CaseResult> {
  const url = virtualized ? server.url : `${server.url}/?virtual-list=off`;
  const openMs: number[] = [];
  let result: CaseResult | null = null;
  for (let run = 0; run < config.runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(url);
      openMs.push(await joinRoom(page, stored));
      // The last run also scrolls back (the others only open: fresh caches each time).
      if (run < config.runs - 1) continue;
      await page.waitForTimeout(500);
      const afterOpen = await metrics(page);
      const target = Math.max(1, stored - PAGE * (config.pages + 1) + 1);
      const scroll = stored > PAGE ? await scrollBack(page, target) : null;
      const afterScroll = scroll ? await metrics(page) : null;
      result = {
        name,
        stored,
        virtualized,
        openMs,
        openMedianMs: NaN,
        afterOpen,
        scroll,
        afterScroll,
      };
    } finally {
      await context.close();
    }
  }
  return { ...result!, openMs, openMedianMs: median(openMs) };
}

const fixed = (value: number | undefined, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);

function toMarkdown(report: {
  when: string;
  commit: string;
  machine: string;
  config: typeof config;
  cases: CaseResult[];
}): string {
  const [long, short, full] = report.cases;
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`;
  const rows = report.cases.map((c) =>
    [
      c.name,
      fixed(c.openMedianMs, 0),
      c.openMs.map((ms) => ms.toFixed(0)).join(' / '),
      fixed(c.scroll?.p50Ms),
      fixed(c.scroll?.p95Ms),
      fixed(c.scroll?.p99Ms),
      fixed(c.scroll?.maxMs),
      c.scroll ? `${c.scroll.slowFrames}/${c.scroll.frames}` : '–',
      c.scroll ? `${c.scroll.longTasks} (${c.scroll.longTaskMs.toFixed(0)} ms)` : '–',
      `${fixed(c.afterOpen.jsHeapMb)} → ${fixed(c.afterScroll?.jsHeapMb)}`,
      `${c.afterOpen.domNodes} → ${c.afterScroll?.domNodes ?? '–'}`,
      `${c.afterOpen.renderedEntries} → ${c.afterScroll?.renderedEntries ?? '–'}`,
    ].join(' | '),
  );
  return [
    '# Long rooms in the web client (Chromium)',
    '',
    `${report.when} · commit ${report.commit} · ${report.machine} · ${report.config.messages.toLocaleString('en')} stored messages, ` +
      `scrolled back ${report.config.pages} pages of ${PAGE} · ${report.config.runs} joins per case`,
    '',
    '| case | open, median ms | open, each run | frame p50 | p95 | p99 | max | frames > 50 ms | long tasks | JS heap MB (open → scrolled) | DOM nodes | rendered entries |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
    `Open: Join click → first frame showing the latest message. Frames: requestAnimationFrame ` +
      `deltas while scrolling up 60 px a frame, older pages loading on the way.`,
    '',
    long && short
      ? `Long room vs 100 messages, open: ${ratio(long.openMedianMs, short.openMedianMs)}.`
      : '',
    long && full
      ? `Virtualized vs every entry rendered, after scrolling back: frame p95 ` +
        `${ratio(long.scroll?.p95Ms, full.scroll?.p95Ms)}, p99 ${ratio(long.scroll?.p99Ms, full.scroll?.p99Ms)}, ` +
        `JS heap ${ratio(long.afterScroll?.jsHeapMb, full.afterScroll?.jsHeapMb)}, ` +
        `DOM nodes ${ratio(long.afterScroll?.domNodes, full.afterScroll?.domNodes)}.`
      : '',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  for (const built of ['out/cli/index.js', 'out/web/index.html']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run npm run build`);
  }
  const longDir = mkdtempSync(join(tmpdir(), 'parley-bench-ui-long-'));
  const shortDir = mkdtempSync(join(tmpdir(), 'parley-bench-ui-short-'));
  const browser = await chromium.launch(launchOptions());
  try {
    console.log(`writing ${config.messages} messages…`);
    prefillHistory(longDir, config.messages);
    prefillHistory(shortDir, PAGE);
    const cases: CaseResult[] = [];
    for (const [name, dir, stored, virtualized] of [
      [`${config.messages.toLocaleString('en')} messages`, longDir, config.messages, true],
      [`${PAGE} messages`, shortDir, PAGE, true],
      [
        `${config.messages.toLocaleString('en')} messages, not virtualized`,
        longDir,
        config.messages,
        false,
      ],
    ] as const) {
      console.log(`case: ${name}`);
      const server = await startServer(dir);
      try {
        cases.push(await runCase(browser, server, name, stored, virtualized));
      } finally {
        await server.stop();
      }
    }
    const report = {
      when: new Date().toISOString(),
      commit: measuredCommit(ROOT),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, ${browser.version()}`,
      config,
      cases,
    };
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'ui-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    const markdown = toMarkdown(report);
    writeFileSync(join(out, 'ui-latest.md'), markdown);
    console.log(markdown);
  } finally {
    await browser.close();
    rmSync(longDir, { recursive: true, force: true });
    rmSync(shortDir, { recursive: true, force: true });
  }
}

await main();
// Playwright's and the server's handles are closed; nothing else should keep the process.
process.exit(0);
