/**
 * What the web client costs a browser: the production bundle (`vite build --config
 * vite.web.config.ts`, into a folder of the benchmark's own so that out/web is left alone), its
 * size gzipped — all of it, and what the first screen loads (the files the page fetched by the
 * time it was interactive and the network went quiet; the chat screen and the client are chunks
 * fetched at the join) — and the time from navigation until the "Nickname" textbox is enabled in
 * Chromium, served by a real Parley server (the bench server process, pinned like the others).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { ServerProcess } from './harness';
import type { CorePlan } from './processes';

export interface WebFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

export interface WebFigures {
  files: WebFile[];
  totalBytes: number;
  totalGzipBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
  /**
   * The files the first screen fetched (paths in the build), and their size gzipped. Missing in
   * results recorded before they were measured.
   */
  firstScreenFiles?: string[];
  firstScreenGzipBytes?: number;
  buildSeconds: number;
  /** Navigation → "Nickname" textbox enabled, ms, one per fresh browser context. */
  interactiveMs: number[];
  interactiveMedianMs: number;
  /** The first run, with a browser that has not loaded the page yet. */
  interactiveFirstMs: number;
  /** Navigation timing of the median run, ms since navigation start. */
  domContentLoadedMs: number;
  loadMs: number;
  browser: string;
}

export interface WebOptions {
  root: string;
  outDir: string;
  runs: number;
  chromiumPath: string;
  cores: CorePlan;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function buildWeb(root: string, outDir: string): number {
  const started = performance.now();
  const vite = join(
    dirname(createRequire(join(root, 'package.json')).resolve('vite/package.json')),
    'bin/vite.js',
  );
  const result = spawnSync(
    process.execPath,
    [
      vite,
      'build',
      '--config',
      'vite.web.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  if (result.status !== 0) {
    throw new Error(`web build failed (${result.status}):\n${result.stderr}${result.stdout}`);
  }
  return (performance.now() - started) / 1000;
}

export async function measureWeb(options: WebOptions): Promise<WebFigures> {
  const buildSeconds = buildWeb(options.root, options.outDir);
  const files = walk(options.outDir)
    .filter((path) => /\.(js|css|html|svg|woff2?|png|ico|json)$/.test(path))
    .map((path) => {
      const content = readFileSync(path);
      return {
        file: relative(options.outDir, path),
        bytes: content.length,
        gzipBytes: gzipSync(content).length,
      };
    })
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  const sum = (list: WebFile[], key: 'bytes' | 'gzipBytes') =>
    list.reduce((total, file) => total + file[key], 0);

  // The page the server serves at "/" (vite may place index.html in a subfolder of the build).
  const index = walk(options.outDir).find((path) => path.endsWith('index.html'));
  if (!index) throw new Error(`no index.html in ${options.outDir}`);
  const pagePath =
    relative(options.outDir, index) === 'index.html' ? '/' : `/${relative(options.outDir, index)}`;

  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-web-'));
  const server = await ServerProcess.start('parley', {
    cores: options.cores.server,
    dataDir,
    webRoot: options.outDir,
  });
  if (!existsSync(options.chromiumPath)) {
    await server.stop();
    throw new Error(`no Chromium at ${options.chromiumPath} (set PARLEY_BENCH_CHROMIUM)`);
  }
  const browser = await chromium.launch({
    executablePath: options.chromiumPath,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const browserName = `Chromium ${browser.version()}`;
  const runs: Array<{ interactiveMs: number; domContentLoadedMs: number; loadMs: number }> = [];
  const base = `http://127.0.0.1:${server.port}/`;
  let firstScreenFiles: string[] | null = null;
  try {
    for (let run = 0; run < options.runs; run++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const fetched: string[] = [];
        page.on('response', (response) => {
          const url = response.url();
          if (response.ok() && url.startsWith(base)) fetched.push(url.slice(base.length));
        });
        const nickname = page.getByRole('textbox', { name: 'Nickname' });
        const started = performance.now();
        await page.goto(`http://127.0.0.1:${server.port}${pagePath}`, {
          waitUntil: 'commit',
          timeout: 30_000,
        });
        await nickname.waitFor({ state: 'visible', timeout: 30_000 });
        const deadline = started + 30_000;
        while (!(await nickname.isEnabled()) && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const interactiveMs = performance.now() - started;
        if (!(await nickname.isEnabled()))
          throw new Error('the Nickname textbox never got enabled');
        // Whatever the first screen fetches after it is interactive counts too.
        await page.waitForLoadState('networkidle', { timeout: 30_000 });
        firstScreenFiles ??= fetched
          .map((path) => (path === '' ? relative(options.outDir, index) : path.split('?')[0]!))
          .filter((path) => files.some((file) => file.file === path));
        const timing = await page.evaluate(() => {
          // Runs in the page; this project's Node types do not describe the DOM's timing entries.
          type NavigationTiming = { domContentLoadedEventEnd: number; loadEventEnd: number };
          const entries = performance as unknown as {
            getEntriesByType(type: string): NavigationTiming[];
          };
          const entry = entries.getEntriesByType('navigation')[0];
          return { dom: entry?.domContentLoadedEventEnd ?? NaN, load: entry?.loadEventEnd ?? NaN };
        });
        runs.push({ interactiveMs, domContentLoadedMs: timing.dom, loadMs: timing.load });
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const sorted = [...runs].sort((a, b) => a.interactiveMs - b.interactiveMs);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    files,
    totalBytes: sum(files, 'bytes'),
    totalGzipBytes: sum(files, 'gzipBytes'),
    jsGzipBytes: sum(
      files.filter((file) => file.file.endsWith('.js')),
      'gzipBytes',
    ),
    cssGzipBytes: sum(
      files.filter((file) => file.file.endsWith('.css')),
      'gzipBytes',
    ),
    buildSeconds,
    firstScreenFiles: firstScreenFiles ?? [],
    firstScreenGzipBytes: sum(
      files.filter((file) => (firstScreenFiles ?? []).includes(file.file)),
      'gzipBytes',
    ),
    interactiveMs: runs.map((run) => run.interactiveMs),
    interactiveMedianMs: median.interactiveMs,
    interactiveFirstMs: runs[0]!.interactiveMs,
    domContentLoadedMs: median.domContentLoadedMs,
    loadMs: median.loadMs,
    browser: browserName,
  };
}
