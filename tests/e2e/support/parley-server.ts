/**
 * A real `parley serve` process for the e2e tests: bound to loopback on a free port, with a
 * throwaway data folder. It needs the build (out/cli and out/web): run `npm run build` first.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'parley.mjs');
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ParleyServerProcess {
  /** The URL the server printed, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly dataDir: string;
  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /**
   * Ctrl+C: the server tells clients it is closing and exits. Safe to call more than once.
   * `keepData`: the data folder stays, for a server started again over it (`dataDir`).
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface ParleyServerOptions {
  /** The port to listen on; default 0 (any free port). A fixed one lets a test restart a server. */
  port?: number;
  /** The server's name (`--name`); default the machine's name. */
  name?: string;
  /** More `parley serve` options, e.g. `['--message-rate', '1/5']`. */
  args?: string[];
  /**
   * A stopped server's data folder (kept: `stop({ keepData: true })`), to restart that server:
   * history and message ids carry on. This server then owns it (removes it when it stops).
   */
  dataDir?: string;
}

export async function startParleyServer(
  options: ParleyServerOptions = {},
): Promise<ParleyServerProcess> {
  for (const built of ['out/cli/index.js', 'out/web/index.html']) {
    if (!existsSync(join(ROOT, built))) {
      throw new Error(`${built} is missing: run "npm run build" before the e2e tests.`);
    }
  }
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-e2e-')));
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--data',
      dataDir,
      ...(options.name === undefined ? [] : ['--name', options.name]),
      ...(options.args ?? []),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let url: string;
  try {
    url = await waitForUrl(child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  let stopping: Promise<void> | null = null;
  return {
    url,
    dataDir,
    output: () => output,
    stop({ keepData = false } = {}) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        if (!keepData) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Resolves with the first URL the server prints under "Join at:". */
function waitForUrl(child: ChildProcessWithoutNullStreams, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(new Error(`parley serve printed no URL in ${START_TIMEOUT_MS} ms:\n${output()}`)),
      START_TIMEOUT_MS,
    );
    const onData = () => {
      const match = /^\s+(https?:\/\/\S+)\s*$/m.exec(output());
      if (match) finish(null, match[1]);
    };
    const onExit = (code: number | null) =>
      finish(new Error(`parley serve exited (code ${code}) before it was ready:\n${output()}`));
    const finish = (error: Error | null, url?: string) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(url!);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}
