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
 *
 * The same run drives a cluster (issue 16): given a `deployment` of several nodes on one
 * PostgreSQL (cluster-deployment.ts), the proxy spreads the clients over the nodes like a load
 * balancer, a restart kills one node, and the database itself is restarted once
 * (`databaseRestarts`). Everything else — the clients, the faults' timing, the judge — is shared.
 */
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { ChaosMember, DELETABLE } from './chaos-member';
import { singleServer, sleep, type Deployment } from './deployment';
import { describeFault, planFaults, type Fault } from './fault-plan';
import { verifyChaos, type ChaosCounts } from './verify';

export interface ChaosOptions {
  clients: number;
  messagesPerClient: number;
  /** Pause between two posts of one client, ms: the steady pace. */
  postIntervalMs: number;
  /** SIGKILL + restart cycles (of one node each) while messages are being posted. */
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
  /** Restarts of the deployment's database (a cluster's PostgreSQL) while posting. */
  databaseRestarts?: number;
  /** What runs the server (default: one `parley serve` on a data directory). */
  deployment?: Deployment;
  /** How long the clients get, after the last post, to deliver and receive everything. */
  settleTimeoutMs: number;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

export interface ChaosReport extends ChaosCounts {
  /** Nodes the deployment ran. */
  nodes: number;
  clients: number;
  /** Restarts and cuts done while posting (the final restart before reading is not counted). */
  restarts: number;
  cuts: number;
  /** Restarts of the cluster's database done while posting. */
  databaseRestarts: number;
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
  /** The servers' output, every run of every node (for a failure's report). */
  serverOutput: string;
}

/** Between posting and judging: no outbox sends, every log reaches the newest stored id. */
const SETTLE_POLL_MS = 50;
/** After everything arrived, a last look for late extra copies before the logs are judged. */
const QUIET_MS = 500;
/** Longest a cut waits for a connection to cut (clients reconnecting after a restart). */
const CUT_WAIT_MS = 5_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const deployment =
    options.deployment ?? singleServer({ diskFull: (options.diskFullWindows ?? 0) > 0 });
  const { name, disk, diskFullUnavailable } = deployment;
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
    nodes: deployment.nodes,
    databaseRestarts: deployment.hasDatabase ? (options.databaseRestarts ?? 0) : 0,
  });
  if ((options.diskFullWindows ?? 0) > 0 && diskFullUnavailable) {
    log(`${name}: no disk-full windows: ${diskFullUnavailable}`);
  }
  log(
    `${name}: seed=${options.seed} nodes=${deployment.nodes} clients=${options.clients} ` +
      `messages=${options.clients}×${options.messagesPerClient} every ` +
      `${options.postIntervalMs} ms over ${windowMs} ms; ` +
      `faults: ${faults.map(describeFault).join('; ')}`,
  );

  try {
    const ports = await deployment.start();
    proxy = await startTcpProxy({ targetPorts: ports });
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
      strike(faults, started, { deployment, proxy, postingEndsAt: started + windowMs }, log),
    ]);
    log(`${name}: posting and faults done after ${Date.now() - started} ms; settling`);

    const newestId = await settle(members, deployment, options.settleTimeoutMs, problems);
    await sleep(QUIET_MS);
    if (newestId !== null) log(`${name}: settled; newest stored id ${newestId}`);
    const clientLogs = members.map((member) => ({
      nickname: member.nickname,
      messages: [...member.log],
    }));
    for (const member of members) {
      problems.push(...member.failures.map((failure) => `${member.nickname}: ${failure}`));
    }
    await Promise.all(members.map((member) => member.leave()));

    const stored = await deployment.readFinal();
    if (deployment.unexpectedExits > 0) {
      problems.push(`a server exited by itself ${deployment.unexpectedExits} time(s)`);
    }
    const errorOutput = deployment.errors(done);
    if (errorOutput !== '') problems.push(`the server reported errors:\n${errorOutput}`);

    const counts = verifyChaos({
      posted: members.flatMap((member) => member.posted),
      clientLogs,
      stored,
    });
    const report: ChaosReport = {
      ...counts,
      problems: [...problems, ...counts.problems],
      nodes: deployment.nodes,
      clients: members.length,
      restarts: done.restarts,
      cuts: done.cuts,
      databaseRestarts: done.databaseRestarts,
      diskFullWindows: done.diskFullWindows,
      diskFullWhilePosting: done.diskFullWhilePosting,
      diskFullUnavailable,
      storageRefusals: members.reduce((sum, member) => sum + member.storageRefusals, 0),
      connectionsCut: done.connectionsCut,
      rejoins: members.map((member) => member.rejoins),
      seed: options.seed,
      summary: '',
      serverOutput: deployment.output,
    };
    report.summary = summarize(name, report);
    log(report.summary);
    for (const problem of report.problems) log(`${name}: PROBLEM ${problem}`);
    if (report.problems.length > 0) log(`${name}: server output:\n${deployment.output}`);
    return report;
  } finally {
    await Promise.all(members.map((member) => member.leave()));
    await proxy?.close();
    await deployment.stop();
  }
}

function summarize(name: string, report: ChaosReport): string {
  const [first] = report.received;
  const received =
    first !== undefined && report.received.every((count) => count === first)
      ? `${first}×${report.received.length}`
      : report.received.join(',');
  // A single server's line stays as it was; a cluster's names its nodes and database restarts.
  const cluster = report.nodes > 1;
  return (
    `${name}: ${cluster ? `nodes=${report.nodes} ` : ''}clients=${report.clients} ` +
    `sent=${report.sent} stored=${report.stored} ` +
    `received=${received} lost=${report.lost} duplicated=${report.duplicated} ` +
    `${cluster ? 'node-kills' : 'restarts'}=${report.restarts} cuts=${report.cuts} ` +
    (cluster
      ? `database-restarts=${report.databaseRestarts} `
      : `disk-full=${report.diskFullWindows} storage-refusals=${report.storageRefusals} `) +
    `rejoins=${report.rejoins.join(',')} seed=${report.seed}`
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
    deployment: Deployment;
    proxy: TcpProxy;
    /** When the last post is due (Date.now() time). */
    postingEndsAt: number;
  },
  log: (line: string) => void,
) {
  const { deployment, proxy, postingEndsAt } = targets;
  const { name, disk } = deployment;
  const done = {
    restarts: 0,
    cuts: 0,
    connectionsCut: 0,
    databaseRestarts: 0,
    diskFullWindows: 0,
    diskFullWhilePosting: 0,
  };
  const note = (what: string) => log(`${name}: ${Date.now() - started} ms: ${what}`);
  for (const fault of faults) {
    await sleep(started + fault.atMs - Date.now());
    if (fault.kind === 'disk-full') {
      if (!disk) continue;
      disk.fill();
      if (Date.now() < postingEndsAt) done.diskFullWhilePosting += 1;
      note('disk full');
      await sleep(fault.durationMs);
      disk.free();
      done.diskFullWindows += 1;
      note('disk has room again');
    } else if (fault.kind === 'cut') {
      // A cut planned during a restart waits for the clients to be back: cutting nothing tests
      // nothing, while cutting a rejoin in progress tests the catch-up.
      const deadline = Date.now() + CUT_WAIT_MS;
      while (proxy.openConnections === 0 && Date.now() < deadline) await sleep(10);
      const at = Date.now() - started;
      const dropped = proxy.cut();
      done.cuts += 1;
      done.connectionsCut += dropped;
      log(`${name}: ${at} ms: cut ${dropped} connection(s)`);
    } else if (fault.kind === 'database-restart') {
      note('PostgreSQL stopped at once');
      await deployment.restartDatabase();
      done.databaseRestarts += 1;
      note('PostgreSQL started again');
    } else {
      const which = deployment.nodes > 1 ? `node ${(fault.node ?? 0) + 1}` : 'server';
      note(`${which} killed (SIGKILL), down for ${fault.downMs} ms`);
      await deployment.restartNode(fault.node ?? 0, fault.downMs);
      done.restarts += 1;
      note(`${which} restarted`);
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
  deployment: Deployment,
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
  const stored = await deployment.readStored();
  const newestId = stored.at(-1)?.id ?? 0;
  const arrived = () =>
    members.every((member) => member.status.state === 'connected' && member.lastId >= newestId);
  if (!(await until(arrived))) return stuck(`not every client received id ${newestId}`);
  return newestId;
}

function notices(member: ChaosMember): string {
  return member.notices.length > 0 ? `; notices: ${member.notices.join(' | ')}` : '';
}
