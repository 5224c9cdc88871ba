/**
 * LAN discovery for real: an advertiser and a browser, each in its own process, see each other
 * over multicast DNS. Never on this machine's real network: every process runs inside network
 * namespaces this file creates (loopback only, multicast routed to it) and deletes afterwards.
 * Needs root (or CAP_SYS_ADMIN) for `ip netns`; without it the tests are skipped, saying why.
 *
 * The processes run a build of src/server made by this file (out/test-cli), so the tests always
 * exercise the current sources, whether or not `npm run build` ran.
 */
import { PROTOCOL_VERSION } from '../../src/shared/limits';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredRoom } from '../../src/shared/api';
import { certificateFingerprint } from '../../src/server/tls';
import { nodeBuild } from '../../vite.cli.config';
import { testCertificate, writeTlsFiles } from '../support/tls';

const OUT_DIR = resolve('out/test-cli');
const NAMESPACE_PREFIX = 'parley-test-';

function ip(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`;
  return { ok: result.status === 0, output: output.trim() };
}

/** Why namespaces cannot be used here, or null when they can (checked once, by trying). */
function namespaceProblem(): string | null {
  const name = `${NAMESPACE_PREFIX}check-${randomBytes(3).toString('hex')}`;
  const added = ip('netns', 'add', name);
  if (!added.ok) return `"ip netns add" failed (${added.output || 'no output'}); run as root.`;
  ip('netns', 'del', name);
  return null;
}

const created: string[] = [];

/** A namespace with loopback up; `multicast` adds what mDNS needs on it. */
function createNamespace(multicast: boolean): string {
  const name = `${NAMESPACE_PREFIX}${randomBytes(4).toString('hex')}`;
  const steps = [['netns', 'add', name]];
  if (multicast) {
    steps.push(
      ['-n', name, 'link', 'set', 'lo', 'up'],
      ['-n', name, 'link', 'set', 'lo', 'multicast', 'on'],
      ['-n', name, 'route', 'add', '224.0.0.0/4', 'dev', 'lo'],
    );
  }
  for (const step of steps) {
    const result = ip(...step);
    if (step[1] === 'add' && step[0] === 'netns' && result.ok) created.push(name);
    if (!result.ok) throw new Error(`ip ${step.join(' ')} failed: ${result.output}`);
  }
  return name;
}

/** A process in a namespace, with its stdout kept as lines. */
class Child {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  #output = '';
  #waiters = new Set<() => void>();

  constructor(namespace: string, args: string[]) {
    this.process = spawn('ip', ['netns', 'exec', namespace, process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer) => {
      this.#output += chunk.toString();
      const parts = this.#output.split('\n');
      this.#output = parts.pop()!;
      this.lines.push(...parts);
      for (const wake of this.#waiters) wake();
    };
    this.process.stdout!.on('data', onData);
    this.process.stderr!.on('data', (chunk: Buffer) => this.lines.push(`stderr: ${chunk}`));
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves with the first line (from `from` on) that `match` accepts. */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs: number, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const line of this.lines.slice(from)) {
          const found = match(line);
          if (found !== undefined) {
            done();
            resolve(found);
            return;
          }
        }
        if (this.process.exitCode !== null || this.process.signalCode !== null) {
          done();
          reject(new Error(`the process ended:\n${this.lines.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching line in ${timeoutMs} ms:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill(signal);
    }
  }
}

interface RoomsLine {
  event: 'rooms';
  at: number;
  rooms: DiscoveredRoom[];
  problem: string | null;
}

function roomsLine(line: string): RoomsLine | undefined {
  try {
    const parsed = JSON.parse(line) as { event?: string };
    return parsed.event === 'rooms' ? (parsed as RoomsLine) : undefined;
  } catch {
    return undefined;
  }
}

const children: Child[] = [];
function start(namespace: string, script: string, args: string[]): Child {
  const child = new Child(namespace, [join(OUT_DIR, script), ...args]);
  children.push(child);
  return child;
}

function browse(namespace: string): Child {
  return start(namespace, 'discovery-probe.js', ['browse', '--interface', '127.0.0.1']);
}

/** `parley serve` (the built CLI) announcing itself as `name` on the namespace's loopback. */
function serveAdvertised(namespace: string, name: string, extraArgs: string[] = []): Child {
  const data = mkdtempSync(join(tmpdir(), 'parley-discovery-'));
  const runner = `const { main } = await import(${JSON.stringify(join(OUT_DIR, 'index.js'))});
process.exitCode = await main(process.argv.slice(1)); process.exit();`;
  const serve = new Child(namespace, [
    '--input-type=module',
    '-e',
    runner,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data',
    data,
    '--name',
    name,
    '--advertise-interface',
    '127.0.0.1',
    ...extraArgs,
  ]);
  children.push(serve);
  return serve;
}

function advertise(namespace: string, room: string, host: string, port: number): Child {
  return start(namespace, 'discovery-probe.js', [
    'advertise',
    '--interface',
    '127.0.0.1',
    '--room',
    room,
    '--host',
    host,
    '--port',
    String(port),
  ]);
}

/**
 * Waits until the browser prints a room list that `check` accepts, looking only at what it prints
 * from `from` on (default: from now).
 */
function untilRooms(
  browser: Child,
  check: (rooms: DiscoveredRoom[]) => boolean,
  timeoutMs: number,
  from = browser.lines.length,
): Promise<RoomsLine> {
  return browser.waitForLine(
    (line) => {
      const parsed = roomsLine(line);
      return parsed && check(parsed.rooms) ? parsed : undefined;
    },
    timeoutMs,
    from,
  );
}

const problem = namespaceProblem();
if (problem) console.warn(`Skipping the LAN discovery tests: ${problem}`);

describe.skipIf(problem !== null)('LAN discovery inside a network namespace', () => {
  let namespace = '';

  beforeAll(async () => {
    namespace = createNamespace(true);
    await build({
      ...nodeBuild(
        {
          index: resolve('src/server/cli.ts'),
          'discovery-probe': resolve('src/desktop/discovery-probe.ts'),
        },
        OUT_DIR,
      ),
      configFile: false,
      logLevel: 'warn',
    });
  }, 60_000);

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await child.exited;
    }
  });

  afterAll(() => {
    for (const name of created.splice(0)) {
      const result = ip('netns', 'del', name);
      if (!result.ok) console.warn(`Could not delete namespace ${name}: ${result.output}`);
    }
  });

  it('a room appears within 3 s, with what its TXT record says, and its goodbye removes it', async () => {
    const browser = browse(namespace);
    await untilRooms(browser, (rooms) => rooms.length === 0, 5_000, 0);

    const started = Date.now();
    const advertiser = advertise(namespace, 'Physics lab', 'alice', 4321);
    const seen = await untilRooms(browser, (rooms) => rooms.length === 1, 3_000);
    expect(seen.at - started).toBeLessThanOrEqual(3_000);
    const advertised = await advertiser.waitForLine(
      (line) => (line.includes('"advertising"') ? (JSON.parse(line) as { id: string }) : undefined),
      1_000,
    );
    expect(seen.rooms[0]).toEqual({
      id: advertised.id,
      roomName: 'Physics lab',
      hostNickname: 'alice',
      url: 'http://127.0.0.1:4321',
      urls: ['http://127.0.0.1:4321'],
      passphraseRequired: false,
      protocolVersion: PROTOCOL_VERSION,
      compatible: true,
      fingerprint: null,
      own: false,
    });

    // A clean stop sends a goodbye: gone at once, long before expiry (7 s) could remove it.
    const stopping = Date.now();
    const before = browser.lines.length;
    advertiser.kill('SIGTERM');
    await advertiser.waitForLine((line) => (line.includes('"stopped"') ? true : undefined), 3_000);
    const gone = await untilRooms(browser, (rooms) => rooms.length === 0, 10_000, before);
    expect(gone.at - stopping).toBeLessThan(3_000);
  }, 30_000);

  it('a host that vanishes without a goodbye (kill -9) is gone within 10 s', async () => {
    const browser = browse(namespace);
    const first = advertise(namespace, 'Crashy', 'bob', 5000);
    const second = advertise(namespace, 'Stays', 'carol', 5001);
    await untilRooms(browser, (rooms) => rooms.length === 2, 5_000, 0);

    const killed = Date.now();
    const before = browser.lines.length;
    first.kill('SIGKILL');
    await first.exited;
    const after = await untilRooms(
      browser,
      (rooms) => rooms.length === 1 && rooms[0]!.roomName === 'Stays',
      10_500,
      before,
    );
    expect(after.at - killed).toBeLessThanOrEqual(10_000);
    // The other room kept answering all along.
    expect(second.process.exitCode).toBeNull();
  }, 30_000);

  it('`parley serve --advertise-interface` announces the headless server, and Ctrl+C says goodbye', async () => {
    const browser = browse(namespace);
    const serve = serveAdvertised(namespace, 'Lab server');
    const url = await serve.waitForLine(
      (line) => /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0],
      20_000,
    );
    await serve.waitForLine(
      (line) => (/Announced on the local network/.test(line) ? true : undefined),
      5_000,
    );

    const seen = await untilRooms(browser, (rooms) => rooms.length === 1, 3_000, 0);
    expect(seen.rooms[0]).toMatchObject({ roomName: 'Lab server', url, compatible: true });

    const from = serve.lines.length;
    const before = browser.lines.length;
    serve.kill('SIGINT');
    await untilRooms(browser, (rooms) => rooms.length === 0, 3_000, before);
    expect(await serve.exited).toBe(0);
    expect(serve.lines.slice(from).join('\n')).toMatch(/Parley stopped\./);
  }, 40_000);

  it('`parley serve --tls-cert/--tls-key` announces its https URL and certificate fingerprint', async () => {
    const tls = await testCertificate();
    const files = writeTlsFiles(tls);
    const browser = browse(namespace);
    const serve = serveAdvertised(namespace, 'Secure lab', [
      '--tls-cert',
      files.cert,
      '--tls-key',
      files.key,
    ]);
    const url = await serve.waitForLine(
      (line) => /https:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0],
      20_000,
    );
    const seen = await untilRooms(browser, (rooms) => rooms.length === 1, 5_000, 0);
    expect(seen.rooms[0]).toMatchObject({
      roomName: 'Secure lab',
      url,
      fingerprint: certificateFingerprint(tls.cert),
    });
    serve.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  }, 40_000);

  it('without a working network the list is just empty, and nothing crashes', async () => {
    // Loopback down, no multicast route: nothing can be sent or heard.
    const offline = createNamespace(false);
    const browser = browse(offline);
    const advertiser = advertise(offline, 'Nobody hears me', 'dave', 4321);
    await untilRooms(browser, (rooms) => rooms.length === 0, 5_000, 0);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(browser.process.exitCode).toBeNull();
    expect(advertiser.process.exitCode).toBeNull();
    expect(browser.lines.map(roomsLine).every((line) => !line || line.rooms.length === 0)).toBe(
      true,
    );
    advertiser.kill('SIGTERM');
    expect(await advertiser.exited).toBe(0);
  }, 30_000);
});
