/**
 * What durable writes cost: Parley's server as shipped (the history is fsynced before a message
 * is acknowledged) against the same server without the fsync (`durableWrites: false`, a store
 * option only this benchmark uses), on the same load in one run. One connection keeps W messages
 * in flight, sending the next as soon as one is acknowledged (a closed loop, no rate limit), for
 * a fixed time: acknowledged messages per second and send → acknowledgement latency, and the
 * ratios durable / not durable. With W = 1 every message waits for its own fsync; with more,
 * group commit writes every message that arrived during the previous write in one batch with
 * one fsync. One connection, so that the cost measured is the write's, not the broadcast's (the
 * broadcast scenario measures that). It runs in this (the runner's) process, on the generator
 * cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { memoryDeviceKey } from '../src/client/device-key';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/shared/protocol';
import { ServerProcess } from './harness';
import { joinWithProof } from './identity';
import type { CorePlan } from './processes';

export interface WriteFigures {
  acknowledged: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Refused sends (should be none), by error code. */
  errors: Record<string, number>;
}

export interface WriteCostStep {
  /** Messages in flight at once. */
  inFlight: number;
  durable: WriteFigures;
  notDurable: WriteFigures;
  /** Durable / not durable: throughput (below 1: fewer messages) and latency (above 1: slower). */
  ratio: { perSecond: number; p50: number; p99: number };
}

export interface WriteCostFigures {
  seconds: number;
  steps: WriteCostStep[];
}

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

async function measure(
  durable: boolean,
  inFlight: number,
  seconds: number,
  cores: CorePlan,
): Promise<WriteFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-durability-'));
  const server = await ServerProcess.start('parley', {
    cores: cores.server,
    dataDir,
    env: { PARLEY_BENCH_DURABLE: durable ? '1' : '0' },
  });
  const socket: ChatSocket = io(`http://127.0.0.1:${server.port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  try {
    const joined = await joinWithProof(socket, { nickname: 'writer' }, memoryDeviceKey(), 30_000);
    if (!joined.ok) throw new Error(`the writer could not join: ${joined.error.message}`);
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    const endAt = performance.now() + seconds * 1000;
    let sent = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < endAt) {
          const n = sent++;
          const started = performance.now();
          const ack = await socket
            .timeout(30_000)
            .emitWithAck('message:send', { clientId: `w${n}`, text: `write ${n}` });
          if (ack.ok) latencies.push(performance.now() - started);
          else errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return {
      acknowledged: latencies.length,
      perSecond: latencies.length / seconds,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: latencies.at(-1) ?? NaN,
      errors,
    };
  } finally {
    socket.disconnect();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function writeCost(
  inFlightCounts: number[],
  seconds: number,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<WriteCostFigures> {
  const steps: WriteCostStep[] = [];
  for (const inFlight of inFlightCounts) {
    const durable = await measure(true, inFlight, seconds, cores);
    const notDurable = await measure(false, inFlight, seconds, cores);
    const step: WriteCostStep = {
      inFlight,
      durable,
      notDurable,
      ratio: {
        perSecond: durable.perSecond / notDurable.perSecond,
        p50: durable.p50Ms / notDurable.p50Ms,
        p99: durable.p99Ms / notDurable.p99Ms,
      },
    };
    steps.push(step);
    log(
      `write cost, ${inFlight} in flight: durable ${durable.perSecond.toFixed(0)} msg/s ` +
        `p50 ${durable.p50Ms.toFixed(2)} ms p99 ${durable.p99Ms.toFixed(2)} ms; not durable ` +
        `${notDurable.perSecond.toFixed(0)} msg/s p50 ${notDurable.p50Ms.toFixed(2)} ms p99 ` +
        `${notDurable.p99Ms.toFixed(2)} ms; throughput ${step.ratio.perSecond.toFixed(2)}x`,
    );
  }
  return { seconds, steps };
}

const fmt = (value: number, digits: number) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

/** The report's section on what durability costs. */
export function writeCostMarkdown(figures: WriteCostFigures): string[] {
  return [
    `## Durable writes: what the fsync costs`,
    '',
    `One connection keeps W messages in flight (the next one sent as soon as one is ` +
      `acknowledged) for ${figures.seconds} s, to Parley with the history fsynced before each acknowledgement (as ` +
      `shipped) and without (\`durableWrites: false\`, benchmark only). Ratios are durable / not ` +
      `durable. Group commit: messages that arrive while a write is in flight share the next fsync.`,
    '',
    '| in flight (W) | acknowledged msg/s durable · not | p50 ms durable · not | p99 ms durable · not | msg/s ratio | p50 ratio | p99 ratio |',
    '|---:|---|---|---|---:|---:|---:|',
    ...figures.steps.map(
      ({ inFlight, durable, notDurable, ratio }) =>
        `| ${inFlight} | ${fmt(durable.perSecond, 0)} · ${fmt(notDurable.perSecond, 0)} | ` +
        `${fmt(durable.p50Ms, 2)} · ${fmt(notDurable.p50Ms, 2)} | ` +
        `${fmt(durable.p99Ms, 2)} · ${fmt(notDurable.p99Ms, 2)} | ${fmt(ratio.perSecond, 2)}x | ` +
        `${fmt(ratio.p50, 2)}x | ${fmt(ratio.p99, 2)}x |`,
    ),
    '',
  ];
}
