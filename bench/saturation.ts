/**
 * Saturation (issue 17 point 1): the most messages per second each server delivers with p99
 * under 100 ms, found by raising the send rate until it breaks — not the offered load of the
 * ramp, which both servers keep up with.
 *
 * For each client count, each server gets one session (its clients connected once); 20 senders
 * (or fewer clients) send at a rate per sender that grows by a factor each step (1.5 by default)
 * until a step fails: p99 ≥ 100 ms, under 99 % of the deliveries arriving in the window, or any
 * send refused. Parley runs as shipped (durable history, validation, presence) but with no
 * message rate limit (PARLEY_BENCH_DURABLE=1 in bench-server.ts): the limit would be measured
 * instead of the server.
 *
 * The load generator must not be what breaks: a step whose generator had no headroom (used over
 * 70 % of its cores, or its event loop lagged by more than a quarter of the p99 it reports, at
 * least 5 ms: headroom.ts, the broadcast ramp's rule too) is marked not valid and ends that server's search, and its result says it is bounded
 * by the generator (a lower bound) rather than by the server.
 */
import { coreCount, GENERATOR_CPU_LIMIT, noHeadroom } from './headroom';
import { fmt } from './report';
import {
  closeSession,
  measureLoad,
  openSession,
  type LoadShape,
  type StepFigures,
} from './scenarios';
import type { CorePlan } from './processes';
import { SERVER_LABELS, type ServerKind } from './wire';

export const SATURATION_P99_MS = 100;
const DELIVERED_AT_LEAST = 0.99;

export interface RateStep extends StepFigures {
  ratePerSender: number;
  /** Under the limits: p99, deliveries, no refusals. */
  passed: boolean;
  /** The generator had headroom (else the step measured it, not the server). */
  valid: boolean;
}

export interface SaturationServer {
  steps: RateStep[];
  /** The most delivered msg/s of a passed, valid step (0 when none passed). */
  maxDeliveredPerSecond: number;
  /** Server CPU per delivered message at that step, µs. */
  cpuMicrosPerDelivery: number;
  /** The search ended on a step the generator could not keep up with: max is a lower bound. */
  generatorBound: boolean;
}

export interface SaturationFigures {
  senders: number;
  factor: number;
  measureSeconds: number;
  sizes: Array<{
    clients: number;
    servers: Partial<Record<ServerKind, SaturationServer>>;
    /** Parley's max / plain Socket.IO's (above 1: Parley delivers more). */
    ratio: number | null;
  }>;
}

export interface SaturationOptions {
  clients: number[];
  servers: ServerKind[];
  senders: number;
  startRate: number;
  factor: number;
  maxSteps: number;
  warmupSeconds: number;
  measureSeconds: number;
  drainSeconds: number;
}

function judged(figures: StepFigures, ratePerSender: number, generatorCores: number): RateStep {
  const errors = Object.values(figures.ackErrors).reduce((sum, count) => sum + count, 0);
  const passed =
    figures.p99Ms < SATURATION_P99_MS &&
    figures.deliveryRatio >= DELIVERED_AT_LEAST &&
    errors === 0;
  const valid = noHeadroom(figures, generatorCores) === null;
  return { ...figures, ratePerSender, passed, valid };
}

async function saturate(
  kind: ServerKind,
  clients: number,
  options: SaturationOptions,
  shape: LoadShape,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<SaturationServer> {
  const session = await openSession(kind, clients, shape, cores, {
    serverEnv: kind === 'parley' ? { PARLEY_BENCH_DURABLE: '1' } : undefined,
  });
  const generatorCores = coreCount(cores.generator);
  const senders = Math.min(options.senders, clients);
  const steps: RateStep[] = [];
  try {
    let rate = options.startRate;
    for (let index = 0; index < options.maxSteps; index++) {
      const figures = await measureLoad(session, clients, senders, {
        ...options,
        ratePerSender: rate,
      });
      const step = judged(figures, rate, generatorCores);
      steps.push(step);
      log(
        `saturation ${clients}, ${SERVER_LABELS[kind]}: ${fmt(rate * senders, 0)} msg/s offered, ` +
          `${fmt(step.deliveredPerSecond, 0)} delivered/s (${fmt(step.deliveryRatio * 100, 1)}%), ` +
          `p99 ${fmt(step.p99Ms, 1)} ms, server CPU ${fmt(step.serverCpuPercent, 0)}%, ` +
          `generator ${fmt(step.generatorCpuPercent, 0)}% (loop p99 ${fmt(step.generatorLoopDelayP99Ms, 1)} ms)` +
          `${step.passed ? '' : ' — over the limit'}${step.valid ? '' : ' — generator-bound, not valid'}`,
      );
      if (!step.passed || !step.valid) break;
      rate = Math.round(rate * options.factor * 100) / 100;
    }
  } finally {
    await closeSession(session);
  }
  const best = steps
    .filter((step) => step.passed && step.valid)
    .reduce<RateStep | null>(
      (most, step) => (most && most.deliveredPerSecond >= step.deliveredPerSecond ? most : step),
      null,
    );
  return {
    steps,
    maxDeliveredPerSecond: best?.deliveredPerSecond ?? 0,
    cpuMicrosPerDelivery: best
      ? ((best.serverCpuPercent / 100) * 1e6) / Math.max(1, best.deliveredPerSecond)
      : NaN,
    generatorBound: steps.at(-1)?.valid === false,
  };
}

export async function saturationScenario(
  options: SaturationOptions,
  shape: LoadShape,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<SaturationFigures> {
  const sizes: SaturationFigures['sizes'] = [];
  for (const clients of options.clients) {
    const servers: Partial<Record<ServerKind, SaturationServer>> = {};
    for (const kind of options.servers) {
      servers[kind] = await saturate(kind, clients, options, shape, cores, log);
    }
    const parley = servers.parley?.maxDeliveredPerSecond;
    const socketio = servers.socketio?.maxDeliveredPerSecond;
    sizes.push({
      clients,
      servers,
      ratio: parley !== undefined && socketio ? parley / socketio : null,
    });
  }
  return {
    senders: options.senders,
    factor: options.factor,
    measureSeconds: options.measureSeconds,
    sizes,
  };
}

/** The report's section on saturation. */
export function saturationMarkdown(figures: SaturationFigures): string[] {
  const lines = [
    '## Saturation: the most delivered msg/s with p99 under 100 ms',
    '',
    `${figures.senders} senders; each step raises their rate ${figures.factor}x until p99 reaches ` +
      `${SATURATION_P99_MS} ms, under ${DELIVERED_AT_LEAST * 100} % arrives in the ${figures.measureSeconds} s window, ` +
      'or a send is refused. Parley as shipped but without its message rate limit. A step where the ' +
      `load generator used over ${GENERATOR_CPU_LIMIT} % of its cores, or lagged by over a quarter of the p99 ` +
      'it reports, is not valid: the search stops there and the figure is a lower bound ("≥").',
    '',
    '| clients | server | max delivered msg/s | offered msg/s there | p99 ms there | server CPU µs per delivery | steps (offered msg/s: p99 ms) |',
    '|---:|---|---:|---:|---:|---:|---|',
  ];
  for (const size of figures.sizes) {
    for (const [kind, server] of Object.entries(size.servers) as Array<
      [ServerKind, SaturationServer]
    >) {
      const best = server.steps.find(
        (step) =>
          step.passed && step.valid && step.deliveredPerSecond === server.maxDeliveredPerSecond,
      );
      const trail = server.steps
        .map(
          (step) =>
            `${fmt(step.offeredMessagesPerSecond, 0)}: ${fmt(step.p99Ms, 1)}` +
            (step.passed ? '' : ' ✗') +
            (step.valid ? '' : ' (generator)'),
        )
        .join(', ');
      lines.push(
        `| ${size.clients} | ${SERVER_LABELS[kind]} | ${server.generatorBound ? '≥ ' : ''}${fmt(server.maxDeliveredPerSecond, 0)} | ` +
          `${best ? fmt(best.offeredMessagesPerSecond, 0) : '–'} | ${best ? fmt(best.p99Ms, 1) : '–'} | ` +
          `${fmt(server.cpuMicrosPerDelivery, 2)} | ${trail} |`,
      );
    }
    if (size.ratio !== null) {
      lines.push(
        `| ${size.clients} | *Parley / plain Socket.IO* | ${fmt(size.ratio, 2)}x |  |  |  |  |`,
      );
    }
  }
  lines.push('');
  return lines;
}
