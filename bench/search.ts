/**
 * Message search (issue 14): 50,000 stored messages in the embedded store, then
 *
 * - query latency: `search:query` round trips from one client (words rare and common, prefixes,
 *   two words, an author filter, an accented word), p50 and p95 (target: p95 < 50 ms), after the
 *   server built its index from the history (how long that took is reported too);
 * - what indexing costs a message's acknowledgement: one connection keeps W messages in flight
 *   for a fixed time, against the server with its index and without (`search: { enabled: false
 *   }`, benchmark only), alternating, each run on a fresh copy of the same 50,000 messages;
 *   acknowledgement p50 and p99 and their ratios (target: at most 10 % slower).
 *
 * It runs in the runner's process, on the generator cores; the server on its own core.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { memoryDeviceKey } from '../src/client/device-key';
import { LOBBY } from '../src/shared/limits';
import type {
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../src/shared/protocol';
import { LevelMessageStore } from '../src/server/storage/level-message-store';
import { ServerProcess } from './harness';
import { joinWithProof } from './identity';
import type { CorePlan } from './processes';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SearchFigures {
  storedMessages: number;
  /** From the server being up to its first answer: building the index from the history, ms. */
  indexBuildMs: number;
  queries: LatencyFigures & { meanResults: number };
  /** Messages in flight on the one writing connection. */
  inFlight: number;
  writeSeconds: number;
  ackIndexed: LatencyFigures & { perSecond: number };
  ackNotIndexed: LatencyFigures & { perSecond: number };
  /** Indexed / not indexed (above 1: slower with the index). */
  ratio: { p50: number; p99: number; perSecond: number };
}

/** A deterministic generator (mulberry32): every run stores the same messages. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'de', 'po', 'ber', 'cha', 'fen'];
/** 4,000 made-up words; a few of them accented, as people write them. */
const VOCABULARY = Array.from({ length: 4_000 }, (_, index) => {
  let word = '';
  for (let n = index + 1; n > 0; n = Math.floor(n / SYLLABLES.length)) {
    word += SYLLABLES[n % SYLLABLES.length];
  }
  return index % 97 === 0 ? `${word}é` : word;
});

/** Words by a skewed distribution: a few very common, most rare (as in real chat). */
function pickWord(next: () => number): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * next() ** 3)]!;
}

/** Stores `count` messages of 6–15 words by 40 people straight into a data folder's history. */
async function prefill(dataDir: string, count: number): Promise<void> {
  const next = random(14);
  const store = await LevelMessageStore.open(join(dataDir, 'history'));
  try {
    const sentAt = Date.now() - count * 1000;
    for (let first = 1; first <= count; first += 2_000) {
      const messages: ChatMessage[] = [];
      for (let id = first; id < Math.min(first + 2_000, count + 1); id++) {
        const author = id % 40;
        const words = Array.from({ length: 6 + Math.floor(next() * 10) }, () => pickWord(next));
        messages.push({
          id,
          clientId: `search-${id}`,
          room: LOBBY,
          author: { id: `p-bench${String(author).padStart(16, '0')}`, nickname: `person${author}` },
          text: words.join(' '),
          sentAt: sentAt + id * 1000,
        });
      }
      await store.write(messages);
    }
  } finally {
    await store.close();
  }
}

function latencies(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    samples: sorted.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? NaN,
  };
}

async function connect(port: number): Promise<ChatSocket> {
  const socket: ChatSocket = io(`http://127.0.0.1:${port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const joined = await joinWithProof(socket, { nickname: 'searcher' }, memoryDeviceKey(), 30_000);
  if (!joined.ok) throw new Error(`could not join: ${joined.error.message}`);
  return socket;
}

async function query(
  socket: ChatSocket,
  payload: Parameters<ClientToServerEvents['search:query']>[0],
): Promise<number> {
  const reply = await socket.timeout(120_000).emitWithAck('search:query', payload);
  if (!reply.ok) throw new Error(`search refused: ${reply.error.message}`);
  return reply.results.length;
}

/** What people type: whole words rare and common, starts of words, two words, an author. */
function queries(count: number): Array<Parameters<ClientToServerEvents['search:query']>[0]> {
  const next = random(99);
  const shapes = [
    () => ({ text: VOCABULARY[Math.floor(VOCABULARY.length * (0.5 + next() / 2))]! }),
    () => ({ text: VOCABULARY[Math.floor(next() * 20)]! }),
    () => ({ text: pickWord(next).slice(0, 3) }),
    () => ({ text: `${pickWord(next)} ${pickWord(next)}` }),
    () => ({ text: pickWord(next), author: `person${Math.floor(next() * 40)}` }),
    () => ({ text: VOCABULARY[97 * Math.floor(next() * 40)]!.replace('é', 'e') }),
  ];
  return Array.from({ length: count }, (_, index) => shapes[index % shapes.length]!());
}

async function withServer<T>(
  dataDir: string,
  indexed: boolean,
  cores: CorePlan,
  run: (port: number) => Promise<T>,
  cpuProfileDir?: string,
): Promise<T> {
  const server = await ServerProcess.start('parley', {
    cores: cores.server,
    dataDir,
    ...(cpuProfileDir ? { cpuProfileDir } : {}),
    // Durable writes as shipped; rate limits lifted (bench-server.ts).
    env: { PARLEY_BENCH_DURABLE: '1', PARLEY_BENCH_SEARCH: indexed ? '1' : '0' },
  });
  try {
    return await run(server.port);
  } finally {
    await server.stop();
  }
}

/** Resolves once `file` exists (checked every 100 ms; the bench's own bookkeeping, not a test). */
async function fileAppears(file: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!existsSync(file)) {
    if (performance.now() > deadline) throw new Error(`${file} did not appear`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One connection, `inFlight` messages at a time for `seconds`: acknowledgement latencies. */
async function writeLoad(port: number, inFlight: number, seconds: number, snapshot: string | null) {
  const socket = await connect(port);
  try {
    // Steady state before the clock starts: the index is built (the first search waits for
    // it) and the snapshot the build is followed by is written.
    await query(socket, { text: 'warm' });
    if (snapshot) await fileAppears(snapshot, 120_000);
    const samples: number[] = [];
    const endAt = performance.now() + seconds * 1000;
    let sent = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < endAt) {
          const n = sent++;
          const started = performance.now();
          const ack = await socket.timeout(30_000).emitWithAck('message:send', {
            clientId: `w${n}`,
            text: `${pickWord(Math.random)} ${n}`,
          });
          if (!ack.ok) throw new Error(`send refused: ${ack.error.message}`);
          samples.push(performance.now() - started);
        }
      }),
    );
    return samples;
  } finally {
    socket.disconnect();
  }
}

export async function searchScenario(
  options: {
    storedMessages: number;
    queries: number;
    inFlight: number;
    writeSeconds: number;
    rounds: number;
    /** A V8 CPU profile of each acknowledgement run's server goes here (PARLEY_BENCH_CPU_PROF). */
    cpuProfileDir?: string;
  },
  cores: CorePlan,
  log: (line: string) => void,
): Promise<SearchFigures> {
  const source = mkdtempSync(join(tmpdir(), 'parley-bench-search-'));
  try {
    await prefill(source, options.storedMessages);
    log(`search: ${options.storedMessages} messages stored`);
    const copy = () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-search-run-'));
      cpSync(source, dataDir, { recursive: true });
      return dataDir;
    };

    const queryDir = copy();
    const { indexBuildMs, samples, results } = await withServer(
      queryDir,
      true,
      cores,
      async (port) => {
        const socket = await connect(port);
        try {
          const started = performance.now();
          await query(socket, { text: 'warm' });
          const indexBuildMs = performance.now() - started;
          const samples: number[] = [];
          let results = 0;
          for (const payload of queries(options.queries)) {
            const begun = performance.now();
            results += await query(socket, payload);
            samples.push(performance.now() - begun);
          }
          return { indexBuildMs, samples, results };
        } finally {
          socket.disconnect();
        }
      },
    );
    rmSync(queryDir, { recursive: true, force: true });
    const queryFigures = { ...latencies(samples), meanResults: results / samples.length };
    log(
      `search: index built in ${indexBuildMs.toFixed(0)} ms; ${samples.length} queries p50 ` +
        `${queryFigures.p50Ms.toFixed(2)} ms p95 ${queryFigures.p95Ms.toFixed(2)} ms max ${queryFigures.maxMs.toFixed(2)} ms`,
    );

    const acks = { indexed: [] as number[], notIndexed: [] as number[] };
    for (let round = 0; round < options.rounds; round++) {
      // Alternating, so that a busy moment of the machine does not fall on one side only.
      for (const indexed of round % 2 === 0 ? [true, false] : [false, true]) {
        const dataDir = copy();
        const snapshot = indexed ? join(dataDir, 'search-index.json') : null;
        const profiles = options.cpuProfileDir
          ? join(options.cpuProfileDir, `search-acks-${indexed ? 'indexed' : 'not-indexed'}`)
          : undefined;
        const samples = await withServer(
          dataDir,
          indexed,
          cores,
          (port) => writeLoad(port, options.inFlight, options.writeSeconds, snapshot),
          profiles,
        );
        rmSync(dataDir, { recursive: true, force: true });
        (indexed ? acks.indexed : acks.notIndexed).push(...samples);
      }
    }
    const seconds = options.writeSeconds * options.rounds;
    const ackIndexed = { ...latencies(acks.indexed), perSecond: acks.indexed.length / seconds };
    const ackNotIndexed = {
      ...latencies(acks.notIndexed),
      perSecond: acks.notIndexed.length / seconds,
    };
    const figures: SearchFigures = {
      storedMessages: options.storedMessages,
      indexBuildMs,
      queries: queryFigures,
      inFlight: options.inFlight,
      writeSeconds: seconds,
      ackIndexed,
      ackNotIndexed,
      ratio: {
        p50: ackIndexed.p50Ms / ackNotIndexed.p50Ms,
        p99: ackIndexed.p99Ms / ackNotIndexed.p99Ms,
        perSecond: ackIndexed.perSecond / ackNotIndexed.perSecond,
      },
    };
    log(
      `search: acks indexed p50 ${ackIndexed.p50Ms.toFixed(2)} ms p99 ${ackIndexed.p99Ms.toFixed(2)} ms ` +
        `${ackIndexed.perSecond.toFixed(0)} msg/s; not indexed p50 ${ackNotIndexed.p50Ms.toFixed(2)} ms ` +
        `p99 ${ackNotIndexed.p99Ms.toFixed(2)} ms ${ackNotIndexed.perSecond.toFixed(0)} msg/s`,
    );
    return figures;
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
}

const fmt = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

/** The report's section on search. */
export function searchMarkdown(figures: SearchFigures): string[] {
  const { queries: q, ackIndexed: on, ackNotIndexed: off, ratio } = figures;
  return [
    `## Message search`,
    '',
    `${figures.storedMessages.toLocaleString('en-US')} messages stored in the embedded store; the ` +
      `server built its index from them in ${fmt(figures.indexBuildMs, 0)} ms (no snapshot yet).`,
    '',
    `| ${q.samples} queries (words, prefixes, two words, an author) | p50 ms | p95 ms | p99 ms | max ms | results (mean) |`,
    '|---|---:|---:|---:|---:|---:|',
    `| \`search:query\` round trip | ${fmt(q.p50Ms, 2)} | ${fmt(q.p95Ms, 2)} | ${fmt(q.p99Ms, 2)} | ${fmt(q.maxMs, 2)} | ${fmt(q.meanResults, 1)} |`,
    '',
    `Message acknowledgements with the index and without (one connection, ${figures.inFlight} in ` +
      `flight, ${figures.writeSeconds} s each, alternating runs):`,
    '',
    '| | msg/s | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    `| indexed | ${fmt(on.perSecond, 0)} | ${fmt(on.p50Ms, 2)} | ${fmt(on.p99Ms, 2)} | ${fmt(on.maxMs, 2)} |`,
    `| not indexed | ${fmt(off.perSecond, 0)} | ${fmt(off.p50Ms, 2)} | ${fmt(off.p99Ms, 2)} | ${fmt(off.maxMs, 2)} |`,
    `| *indexed / not* | ${fmt(ratio.perSecond, 2)}x | ${fmt(ratio.p50, 2)}x | ${fmt(ratio.p99, 2)}x | |`,
    '',
  ];
}

/** The two targets: queries under 50 ms at p95; acknowledgements at most 10 % slower. */
export function searchTargets(figures: SearchFigures | null | undefined): Array<{
  name: string;
  value: number | null;
  limit: string;
  met: boolean | null;
  detail: string;
}> {
  const notRun = 'search scenario not run';
  const worstAck = figures ? Math.max(figures.ratio.p50, figures.ratio.p99) : NaN;
  return [
    {
      // As a share of the limit: the report shows values as ratios.
      name: `Search query latency over ${figures ? figures.storedMessages.toLocaleString('en-US') : '50,000'} stored messages, p95 / 50 ms`,
      value: figures ? figures.queries.p95Ms / 50 : null,
      limit: '< 1x (p95 < 50 ms)',
      met: figures ? figures.queries.p95Ms < 50 : null,
      detail: figures
        ? `p50 ${fmt(figures.queries.p50Ms, 2)} ms, p95 ${fmt(figures.queries.p95Ms, 2)} ms, max ${fmt(figures.queries.maxMs, 2)} ms`
        : notRun,
    },
    {
      name: 'Message acknowledgement with the search index vs without (p50 and p99)',
      value: Number.isFinite(worstAck) ? worstAck : null,
      limit: '≤ 1.1x',
      met: Number.isFinite(worstAck) ? worstAck <= 1.1 : null,
      detail: figures
        ? `p50 ${fmt(figures.ackNotIndexed.p50Ms, 2)} → ${fmt(figures.ackIndexed.p50Ms, 2)} ms, p99 ${fmt(figures.ackNotIndexed.p99Ms, 2)} → ${fmt(figures.ackIndexed.p99Ms, 2)} ms`
        : notRun,
    },
  ];
}
