/**
 * The chaos scenario (issue 4, point 2): several real ChatClients, connected through a TCP proxy
 * to a real `parley serve` process, post messages at a steady pace while the server is killed
 * with SIGKILL and restarted on the same data directory, the proxy cuts every connection and
 * the data directory's disk fills up for a few seconds, at seeded random times. Afterwards every
 * client must hold the identical, complete, ordered log, and the server (killed once more and
 * restarted, so that only what is on disk counts) must hold every message posted, once. Sized by
 * its options: a small run inside `npm test`, a full one for `npm run test:chaos`.
 *
 * The full disk is a real one: the data directory sits on a small tmpfs that the run mounts and
 * fills with a file (and frees again), so the server meets ENOSPC from LevelDB exactly as in
 * production, half-written records and all, with no fault hook in the product. Mounting needs
 * root; elsewhere the run has no disk-full windows and says so (the refusal path itself is tested
 * everywhere with tests/support/faulty-history.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ServerProcess } from '../support/server-process';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { ChaosMember } from './chaos-member';
import { describeFault, planFaults, type Fault } from './fault-plan';
import { readStoredHistory } from './stored-history';
import { DELETABLE } from './chaos-member';
import { verifyChaos, type ChaosCounts } from './verify';

export interface ChaosOptions {
  clients: number;
  messagesPerClient: number;
  /** Pause between two posts of one client, ms: the steady pace. */
  postIntervalMs: number;
  /** SIGKILL + restart cycles while messages are being posted. */
  restarts: number;
  /** Proxy cuts (every connection at once) while messages are being posted. */
  cuts: number;
  seed: number;
  /** How long a killed server stays down, ms. */
  downMs?: { min: number; max: number };
  /** Windows in which the disk is full (default none; none where no tmpfs can be mounted). */
  diskFullWindows?: number;
  /** How long each disk-full window lasts, ms. */
  diskFullMs?: { min: number; max: number };
  /** How long the clients get, after the last post, to deliver and receive everything. */
  settleTimeoutMs: number;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

export interface ChaosReport extends ChaosCounts {
  clients: number;
  /** Restarts and cuts done while posting (the final restart before reading is not counted). */
  restarts: number;
  cuts: number;
  /** Disk-full windows done (0 where no tmpfs could be mounted). */
  diskFullWindows: number;
  /** Of those, the ones that began while messages were still being posted. */
  diskFullWhilePosting: number;
  /** Why there were no disk-full windows although some were asked for; else null. */
  diskFullUnavailable: string | null;
  /** Posts the server refused as not stored during those windows (all retried). */
  storageRefusals: number;
  /** Connections the cuts dropped, all cuts together. */
  connectionsCut: number;
  /** Per client: how often it rejoined after a dropped connection (and caught up). */
  rejoins: number[];
  seed: number;
  /** One line: `chaos: clients=4 sent=3000 stored=3000 received=3000×4 lost=0 duplicated=0 …` */
  summary: string;
  /** The server's output, every run of it (for a failure's report). */
  serverOutput: string;
}

/** Between posting and judging: no outbox sends, every log reaches the newest stored id. */
const SETTLE_POLL_MS = 50;
/** After everything arrived, a last look for late extra copies before the logs are judged. */
const QUIET_MS = 500;
/** Longest a cut waits for a connection to cut (clients reconnecting after a restart). */
const CUT_WAIT_MS = 5_000;
/** The data directory's tmpfs: far more than a full run stores, so only the filler fills it. */
const DISK_MB = 64;
/** What the server prints when writes start failing on a full disk and when they work again. */
const DISK_FULL_REPORT =
  /Cannot write to the history in .*no space left on device.*free some space|Writing to the history in .* works again/i;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  let disk: SmallDisk | null = null;
  let diskFullUnavailable: string | null = null;
  if ((options.diskFullWindows ?? 0) > 0) {
    const mounted = mountSmallDisk(DISK_MB);
    if ('unavailable' in mounted) diskFullUnavailable = mounted.unavailable;
    else disk = mounted;
  }
  const dataDir = mkdtempSync(join(disk?.path ?? tmpdir(), 'parley-chaos-'));
  const server = new ServerProcess({
    port: await freePort(),
    dataDir,
    // The default message rate would refuse a few thousand messages from a handful of people.
    args: ['--message-rate', '100000/1'],
  });
  let proxy: TcpProxy | null = null;
  const members: ChaosMember[] = [];
  const problems: string[] = [];
  const windowMs = options.messagesPerClient * options.postIntervalMs;
  const faults = planFaults({
    seed: options.seed,
    windowMs,
    restarts: options.restarts,
    cuts: options.cuts,
    downMs: options.downMs ?? { min: 100, max: 1_500 },
    ...(disk
      ? {
          diskFull: {
            count: options.diskFullWindows ?? 0,
            durationMs: options.diskFullMs ?? { min: 1_000, max: 3_000 },
          },
        }
      : {}),
  });
  if (diskFullUnavailable) log(`chaos: no disk-full windows: ${diskFullUnavailable}`);
  log(
    `chaos: seed=${options.seed} clients=${options.clients} messages=${options.clients}×` +
      `${options.messagesPerClient} every ${options.postIntervalMs} ms over ${windowMs} ms; ` +
      `faults: ${faults.map(describeFault).join('; ')}`,
  );

  try {
    await server.start();
    proxy = await startTcpProxy({ targetPort: server.port });
    const url = `http://127.0.0.1:${proxy.port}`;
    for (let n = 1; n <= options.clients; n++) {
      members.push(
        new ChaosMember({
          url,
          nickname: `chaos-${n}`,
          reconnectDelayMs: 50,
          reconnectDelayMaxMs: 250,
        }),
      );
    }
    await Promise.all(members.map((member) => member.join()));

    const started = Date.now();
    const [, done] = await Promise.all([
      Promise.all(
        members.map((member, n) =>
          postSteadily(member, options, started + (n * options.postIntervalMs) / members.length),
        ),
      ),
      strike(faults, started, { server, proxy, disk, postingEndsAt: started + windowMs }, log),
    ]);
    log(`chaos: posting and faults done after ${Date.now() - started} ms; settling`);

    const newestId = await settle(members, server, options.settleTimeoutMs, problems);
    await sleep(QUIET_MS);
    if (newestId !== null) log(`chaos: settled; newest stored id ${newestId}`);
    const clientLogs = members.map((member) => ({
      nickname: member.nickname,
      messages: [...member.log],
    }));
    for (const member of members) {
      problems.push(...member.failures.map((failure) => `${member.nickname}: ${failure}`));
    }
    await Promise.all(members.map((member) => member.leave()));

    // Judge the server by what is on disk: kill it once more, start it, and read it all back.
    await server.kill();
    await server.start();
    const stored = await readStoredHistory(server.url, 'chaos-auditor');
    if (server.unexpectedExits > 0) {
      problems.push(`the server exited by itself ${server.unexpectedExits} time(s)`);
    }
    // A full disk is reported, once as it starts and once as it ends: expected, not a problem.
    const errorOutput = server.errorOutput
      .split('\n')
      .filter((line) => done.diskFullWindows === 0 || !DISK_FULL_REPORT.test(line))
      .join('\n')
      .trim();
    if (errorOutput !== '') problems.push(`the server reported errors:\n${errorOutput}`);

    const counts = verifyChaos({
      posted: members.flatMap((member) => member.posted),
      clientLogs,
      stored,
    });
    const report: ChaosReport = {
      ...counts,
      problems: [...problems, ...counts.problems],
      clients: members.length,
      restarts: done.restarts,
      cuts: done.cuts,
      diskFullWindows: done.diskFullWindows,
      diskFullWhilePosting: done.diskFullWhilePosting,
      diskFullUnavailable,
      storageRefusals: members.reduce((sum, member) => sum + member.storageRefusals, 0),
      connectionsCut: done.connectionsCut,
      rejoins: members.map((member) => member.rejoins),
      seed: options.seed,
      summary: '',
      serverOutput: server.output,
    };
    report.summary = summarize(report);
    log(report.summary);
    for (const problem of report.problems) log(`chaos: PROBLEM ${problem}`);
    if (report.problems.length > 0) log(`chaos: server output:\n${server.output}`);
    return report;
  } finally {
    await Promise.all(members.map((member) => member.leave()));
    await proxy?.close();
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
    disk?.unmount();
  }
}

function summarize(report: ChaosReport): string {
  const [first] = report.received;
  const received =
    first !== undefined && report.received.every((count) => count === first)
      ? `${first}×${report.received.length}`
      : report.received.join(',');
  return (
    `chaos: clients=${report.clients} sent=${report.sent} stored=${report.stored} ` +
    `received=${received} lost=${report.lost} duplicated=${report.duplicated} ` +
    `restarts=${report.restarts} cuts=${report.cuts} disk-full=${report.diskFullWindows} ` +
    `storage-refusals=${report.storageRefusals} rejoins=${report.rejoins.join(',')} ` +
    `seed=${report.seed}`
  );
}

/** Posts `messagesPerClient` messages, one every `postIntervalMs`, from `startAt` on. */
async function postSteadily(member: ChaosMember, options: ChaosOptions, startAt: number) {
  for (let n = 1; n <= options.messagesPerClient; n++) {
    // Against the clock, not after each post: the pace stays steady whatever a post costs.
    await sleep(startAt + (n - 1) * options.postIntervalMs - Date.now());
    // Every few posts a change to an earlier message instead: an edit, a reaction or a delete.
    if (!member.change(n)) member.post(`${member.nickname} #${n}${n % 7 === 1 ? DELETABLE : ''}`);
  }
}

/**
 * Carries out the faults at their planned times (later, if a restart or a disk-full window before
 * ran long: the faults come one at a time, so a server is never started on a full disk).
 */
async function strike(
  faults: Fault[],
  started: number,
  targets: {
    server: ServerProcess;
    proxy: TcpProxy;
    disk: SmallDisk | null;
    /** When the last post is due (Date.now() time). */
    postingEndsAt: number;
  },
  log: (line: string) => void,
) {
  const { server, proxy, disk, postingEndsAt } = targets;
  const done = {
    restarts: 0,
    cuts: 0,
    connectionsCut: 0,
    diskFullWindows: 0,
    diskFullWhilePosting: 0,
  };
  for (const fault of faults) {
    await sleep(started + fault.atMs - Date.now());
    if (fault.kind === 'disk-full') {
      if (!disk) continue;
      disk.fill();
      if (Date.now() < postingEndsAt) done.diskFullWhilePosting += 1;
      log(`chaos: ${Date.now() - started} ms: disk full`);
      await sleep(fault.durationMs);
      disk.free();
      done.diskFullWindows += 1;
      log(`chaos: ${Date.now() - started} ms: disk has room again`);
    } else if (fault.kind === 'cut') {
      // A cut planned during a restart waits for the clients to be back: cutting nothing tests
      // nothing, while cutting a rejoin in progress tests the catch-up.
      const deadline = Date.now() + CUT_WAIT_MS;
      while (proxy.openConnections === 0 && Date.now() < deadline) await sleep(10);
      const at = Date.now() - started;
      const dropped = proxy.cut();
      done.cuts += 1;
      done.connectionsCut += dropped;
      log(`chaos: ${at} ms: cut ${dropped} connection(s)`);
    } else {
      await server.kill();
      log(`chaos: ${Date.now() - started} ms: server killed (SIGKILL)`);
      await sleep(fault.downMs);
      await server.start();
      done.restarts += 1;
      log(`chaos: ${Date.now() - started} ms: server restarted on the same data directory`);
    }
  }
  return done;
}

/**
 * Waits until every outbox has sent everything, then until every client is connected and holds
 * the newest stored message. Resolves with that message's id, or null after noting in
 * `problems` what was still missing when time ran out (the judge then counts the damage).
 */
async function settle(
  members: ChaosMember[],
  server: ServerProcess,
  timeoutMs: number,
  problems: string[],
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  const until = async (done: () => boolean): Promise<boolean> => {
    while (!done()) {
      if (members.some((member) => member.status.state === 'disconnected')) return false;
      if (Date.now() > deadline) return false;
      await sleep(SETTLE_POLL_MS);
    }
    return true;
  };
  const stuck = (what: string) => {
    problems.push(`${what} within ${timeoutMs} ms`);
    for (const member of members) {
      problems.push(`  ${member.describe()}${notices(member)}`);
    }
    return null;
  };

  if (!(await until(() => members.every((member) => member.sending === 0)))) {
    return stuck('the outboxes were not sent');
  }
  // Read directly from the server, not through the proxy: this is the yardstick, not a client.
  const stored = await readStoredHistory(server.url, 'chaos-yardstick');
  const newestId = stored.at(-1)?.id ?? 0;
  const arrived = () =>
    members.every((member) => member.status.state === 'connected' && member.lastId >= newestId);
  if (!(await until(arrived))) return stuck(`not every client received id ${newestId}`);
  return newestId;
}

function notices(member: ChaosMember): string {
  return member.notices.length > 0 ? `; notices: ${member.notices.join(' | ')}` : '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
