/**
 * The guessing scenario: do passphrase guesses slow down people who are already in? A Parley
 * server with a passphrase (as shipped, except that the per-address limits apply on loopback as
 * they would to machines on a LAN), a few joined calm clients that each send a message a second
 * and time its acknowledgement (send → `ok`: the message is stored, fsynced, in history), measured
 * twice on the same server and clients:
 *
 * 1. calm: the calm clients alone — the baseline;
 * 2. guessing: the same, while `guessers` connections, each from a network address of its own
 *    (127.0.1.x), send wrong passphrases — one at a time each, the next as soon as the previous is
 *    answered — as many as the server will check.
 *
 * scrypt (16 MiB, tens of ms a check) runs on a thread of its own at the lowest CPU priority
 * (scrypt-worker.ts), one check at a time and a few a second (hashing-gate.ts). The ratio
 * guessing / calm is the figure: issue 12 asks for at most 2x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { build } from 'hdr-histogram-js';
import { memoryDeviceKey } from '../src/client/device-key';
import { ServerProcess } from './harness';
import { joinWithProof } from './identity';
import type { CorePlan } from './processes';
import { medianFigures, medianRatios, type Spreads } from './repetitions';

export const GUESSING_CALM_ADDRESS = '127.0.0.1';
const PASSPHRASE = 'the right passphrase';

export interface GuessingShape {
  /** Connections guessing, each from an address of its own. */
  guessers: number;
  /** Joined clients timing their acknowledgements, each sending one message a second. */
  calmClients: number;
  /** Length of each phase, s. */
  seconds: number;
}

export interface GuessingPhase {
  phase: 'calm' | 'guessing';
  /** Calm messages acknowledged `ok`, and their send → acknowledgement latency. */
  acked: number;
  ackErrors: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuPercent: number;
  /** Guessers' replies by outcome (`wrong_passphrase` = checked), guessing phase only. */
  guesses: Record<string, number> | null;
}

export interface GuessingRatios {
  p50: number;
  p99: number;
}

/** One repetition: a fresh server, its calm phase and then its guessing phase. */
export interface GuessingRepetition {
  phases: GuessingPhase[];
  /** The guessing phase's acknowledgement p50 and p99 divided by the calm phase's. */
  ratios: GuessingRatios;
}

export interface GuessingFigures {
  guessers: number;
  calmClients: number;
  seconds: number;
  /** Each phase's figures, the median over the repetitions. */
  phases: GuessingPhase[];
  /** The median of the repetitions' ratios, and their smallest and largest (results from before
   * the scenario repeated have neither spread nor repetitions). */
  ratios: GuessingRatios;
  spread?: Spreads<GuessingRatios>;
  repetitions?: GuessingRepetition[];
}

type Reply = { ok: true } | { ok: false; error: { code: string; message: string } };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(port: number, localAddress: string): Promise<Socket> {
  const socket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    localAddress,
  } as Parameters<typeof io>[1]);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

const ask = (socket: Socket, event: string, payload: unknown, timeoutMs = 60_000) =>
  socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Reply>;

/** A calm client: sends one message a second until `until`, timing each acknowledgement. */
async function calmSends(
  socket: Socket,
  index: number,
  clients: number,
  until: number,
  latencies: { recordValue(value: number): void },
  errors: Record<string, number>,
): Promise<number> {
  let acked = 0;
  let sequence = 0;
  // Spread the clients over the second so that their sends do not arrive together.
  await sleep((index * 1000) / clients);
  while (performance.now() < until) {
    const next = performance.now() + 1000;
    const sent = performance.now();
    const reply = await ask(socket, 'message:send', {
      clientId: `calm-${index}-${sequence++}-${Date.now()}`,
      text: `calm message ${sequence}`,
    }).catch((error: Error) => ({
      ok: false as const,
      error: { code: error.message, message: '' },
    }));
    if (reply.ok) {
      latencies.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
      acked += 1;
    } else {
      errors[reply.error.code] = (errors[reply.error.code] ?? 0) + 1;
    }
    await sleep(Math.max(0, next - performance.now()));
  }
  return acked;
}

/**
 * A guesser: wrong passphrases one after another until `until`. Each guess is a join with a
 * valid device key proof (the server checks the proof before the passphrase), so it asks for a
 * challenge first; a refused challenge (`rate_limited`) counts as that guess's outcome.
 */
async function guess(socket: Socket, index: number, until: number, tally: Record<string, number>) {
  const key = memoryDeviceKey();
  // A guesser the server stopped reading from (too many refusals) or dropped waits no longer
  // than the phase: its last guess counts as unanswered.
  while (performance.now() < until && socket.connected) {
    const reply = await joinWithProof(
      socket,
      { nickname: `guesser${index}`, passphrase: `wrong guess ${Math.random()}` },
      key,
      Math.max(1, until - performance.now()),
    ).catch(() => ({ ok: false as const, error: { code: 'unanswered', message: '' } }));
    const outcome = reply.ok ? 'ok' : reply.error.code;
    tally[outcome] = (tally[outcome] ?? 0) + 1;
    if (reply.ok) return;
    // An address whose guesses are used up, or a server busy checking others': try again soon.
    if (outcome === 'rate_limited') await sleep(250);
  }
}

/**
 * The scenario `repeat` times, each on a fresh server (a server remembers the addresses that
 * guessed: a second burst on it would mostly be refused unchecked).
 */
export async function guessingScenario(
  shape: GuessingShape,
  repeat: number,
  cores: CorePlan,
  log: (line: string) => void = () => {},
): Promise<GuessingFigures> {
  const repetitions: GuessingRepetition[] = [];
  for (let repetition = 1; repetition <= repeat; repetition++) {
    const label = repeat > 1 ? ` (repetition ${repetition}/${repeat})` : '';
    repetitions.push(await guessingOnce(shape, cores, (line) => log(`${line}${label}`)));
  }
  const phases = (['calm', 'guessing'] as const).map((phase) =>
    medianFigures(repetitions.map((each) => each.phases.find((one) => one.phase === phase)!)),
  );
  const ratios = medianRatios(repetitions.map((each) => each.ratios))!;
  return { ...shape, phases, ratios: ratios.median, spread: ratios.spread, repetitions };
}

async function guessingOnce(
  shape: GuessingShape,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<GuessingRepetition> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-guessing-'));
  const server = await ServerProcess.start('parley', {
    cores: cores.server,
    dataDir,
    env: { PARLEY_BENCH_EXEMPT: GUESSING_CALM_ADDRESS, PARLEY_BENCH_PASSPHRASE: PASSPHRASE },
  });
  const sockets: Socket[] = [];
  try {
    const calm: Socket[] = [];
    for (let index = 0; index < shape.calmClients; index++) {
      const socket = await connect(server.port, GUESSING_CALM_ADDRESS);
      sockets.push(socket);
      const joined = await joinWithProof(
        socket,
        { nickname: `calm${index}`, passphrase: PASSPHRASE },
        memoryDeviceKey(),
        60_000,
      );
      if (!joined.ok) throw new Error(`calm client could not join: ${joined.error.message}`);
      calm.push(socket);
    }
    const guessers: Socket[] = [];
    for (let index = 0; index < shape.guessers; index++) {
      const socket = await connect(server.port, `127.0.1.${index + 1}`);
      sockets.push(socket);
      guessers.push(socket);
    }

    const phases: GuessingPhase[] = [];
    for (const phase of ['calm', 'guessing'] as const) {
      const latencies = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 });
      const ackErrors: Record<string, number> = {};
      const until = performance.now() + shape.seconds * 1000;
      const cpuBefore = server.cpuSeconds();
      const guesses: Record<string, number> | null = phase === 'guessing' ? {} : null;
      const guessing = guesses
        ? guessers.map((socket, index) => guess(socket, index, until, guesses))
        : [];
      const acked = await Promise.all(
        calm.map((socket, index) =>
          calmSends(socket, index, calm.length, until, latencies, ackErrors),
        ),
      );
      await Promise.all(guessing);
      const ms = (micros: number) => micros / 1000;
      const figures: GuessingPhase = {
        phase,
        acked: acked.reduce((total, count) => total + count, 0),
        ackErrors,
        p50Ms: ms(latencies.getValueAtPercentile(50)),
        p99Ms: ms(latencies.getValueAtPercentile(99)),
        maxMs: ms(latencies.maxValue),
        serverCpuPercent: ((server.cpuSeconds() - cpuBefore) / shape.seconds) * 100,
        guesses,
      };
      phases.push(figures);
      log(
        `guessing, ${phase}: ack p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms ` +
          `(${figures.acked} acked), server CPU ${figures.serverCpuPercent.toFixed(0)}%` +
          (guesses ? `; guesses ${JSON.stringify(guesses)}` : ''),
      );
    }
    const [calmPhase, guessingPhase] = phases as [GuessingPhase, GuessingPhase];
    return {
      phases,
      ratios: {
        p50: guessingPhase.p50Ms / calmPhase.p50Ms,
        p99: guessingPhase.p99Ms / calmPhase.p99Ms,
      },
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
