/**
 * The flooder of the flood scenario, run inside a load-generator process: a few connections from
 * one network address of their own (127.0.0.2 on loopback) that send Parley events as fast as the
 * server reads them, and count every acknowledgement by event and outcome (`ok`, `rate_limited`,
 * `already_joined`, `invalid_payload`, …).
 *
 * Two variants:
 * - `flood`: valid `message:send`, `typing:set` and `session:join` in turn — the events the rate
 *   limits are for (the joins carry the connection's last proof again: the server answers
 *   `already_joined` or `rate_limited` before it would look at the proof);
 * - `malformed`: payloads the schemas refuse (wrong types, text over the length limit, `__proto__`
 *   keys, deep nesting, unknown events) and now and then a frame over the server's payload limit,
 *   which makes the server close the connection (the flooder then connects and joins again).
 *
 * Each connection is one person: a device key made before it connects (identity.ts), used for
 * every join of that connection, so that joining again after a drop keeps its nickname.
 *
 * "As fast as the server reads" is TCP back-pressure: a connection sends while its unsent bytes
 * stay under a small high-water mark and yields otherwise; what the server has not read yet waits
 * in the kernel's socket buffers (a few MB on loopback). So the flood is as heavy as the server
 * lets it be, without the flooder's own memory growing. A pace (events per second per
 * connection) makes it a steady flood instead.
 */
import { setPriority } from 'node:os';
import WebSocket from 'ws';
import type { DeviceKey } from '../src/client/device-key';
import { LIMITS } from '../src/shared/limits';
import { challengeFromAck, deviceKeys, joinPayloadJson } from './identity';
import { nowMicros } from './wire';

export type FloodVariant = 'flood' | 'malformed';
export const FLOOD_KINDS = ['join', 'message', 'typing', 'malformed', 'challenge'] as const;
export type FloodKind = (typeof FLOOD_KINDS)[number];

export interface FloodCommand {
  type: 'flood';
  port: number;
  variant: FloodVariant;
  /** Connections the flooder opens, all from `address`. */
  connections: number;
  /** Local address to connect from: a loopback address other than the calm clients' 127.0.0.1. */
  address: string;
  /** Flood until this time on the shared monotonic clock (µs). */
  untilMicros: number;
  /** Events per second per connection; 0: as fast as the server reads. */
  pace: number;
}

export interface FloodReply {
  type: 'flooded';
  variant: FloodVariant;
  connections: number;
  address: string;
  seconds: number;
  /** Events sent, by kind. */
  sent: Record<FloodKind, number>;
  /** Acknowledgements received, by kind and then by outcome: `ok` or the error code. */
  replies: Record<FloodKind, Record<string, number>>;
  /** Connections the server closed (oversized frames), and connections opened again. */
  disconnects: number;
  reconnects: number;
  /** Frames over the payload limit sent (malformed variant). */
  oversized: number;
  bytesSent: number;
  firstError: string | null;
}

/** Unsent bytes per connection above which the flooder waits for the socket to drain. */
const HIGH_WATER_BYTES = 64 * 1024;
/** Frames sent per turn of the event loop before incoming acknowledgements get a chance. */
const BURST = 64;
/**
 * In the malformed variant, one frame in this many is over the server's payload limit: the
 * OVERSIZED_AT-th of each run of OVERSIZED_EVERY, so that one goes early in every phase, however
 * few frames a slow machine gets out before the server drops the connection.
 */
const OVERSIZED_EVERY = 256;
const OVERSIZED_AT = 8;

const KIND_CODE: Record<FloodKind, number> = {
  join: 0,
  message: 1,
  typing: 2,
  malformed: 3,
  challenge: 4,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function deepNesting(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** The malformed payloads, each `[event, JSON of the payload]`, refused by schema or name. */
const MALFORMED: ReadonlyArray<readonly [string, string]> = [
  ['message:send', '{"clientId":"bad","text":5}'],
  ['message:send', `{"clientId":"bad","text":"${'x'.repeat(LIMITS.messageMaxLength + 1)}"}`],
  ['message:send', `{"clientId":"bad","text":"hi","extra":${deepNesting(200)}}`],
  ['message:send', '{"clientId":"bad id!","text":"hi"}'],
  ['typing:set', '"yes"'],
  ['typing:set', '{"typing":"yes","__proto__":{"admin":true}}'],
  ['session:join', '{"nickname":"","constructor":{"prototype":{}}}'],
  ['flood:unknown', '{}'],
];
const OVERSIZED = `{"clientId":"big","text":"${'y'.repeat(LIMITS.maxPayloadBytes + 1024)}"}`;

class FloodConnection {
  #socket: WebSocket | null = null;
  #nextAck = 0;
  #sequence = 0;
  #cycle = 0;
  #open = false;
  /** Waiting for an acknowledgement of this kind (joining's challenge or join); null on close. */
  #waiting: { kind: FloodKind; resolve: (frame: Buffer | null) => void } | null = null;
  /** The payload of this connection's last join, which the flood turns send again. */
  #joinPayload: string;

  constructor(
    private readonly command: FloodCommand,
    private readonly index: number,
    private readonly tally: FloodReply,
    private readonly key: DeviceKey,
  ) {
    this.#joinPayload = JSON.stringify({ nickname: this.#nickname });
  }

  /** Connects and joins, so that every connection is a member of the room before any floods. */
  async open(): Promise<void> {
    try {
      await this.#connect();
      await this.#join();
    } catch (error) {
      this.tally.firstError ??= (error as Error).message;
    }
  }

  /** Floods until the deadline, connecting (and joining) again whenever the server closes. */
  async run(): Promise<void> {
    while (nowMicros() < this.command.untilMicros) {
      try {
        if (!this.#open) {
          await this.#connect();
          this.tally.reconnects++;
          await this.#join();
        }
        await this.#flood();
      } catch (error) {
        this.tally.firstError ??= (error as Error).message;
        await sleep(50);
      }
    }
    this.#open = false;
    this.#socket?.terminate();
  }

  #connect(): Promise<void> {
    const url = `ws://127.0.0.1:${this.command.port}/socket.io/?EIO=4&transport=websocket`;
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      localAddress: this.command.address,
    });
    this.#socket = socket;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`flood connection ${this.index}: not connected after 10 s`));
      }, 10_000);
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (this.#open) this.tally.disconnects++;
        else reject(new Error(`flood connection ${this.index}: closed before it was ready`));
        this.#open = false;
        this.#waiting?.resolve(null);
      });
      socket.on('message', (frame: Buffer) => {
        if (frame[0] === 0x34 /* 4: message */) {
          if (frame[1] === 0x33 /* 3: ack */) this.#onAck(frame);
          else if (frame[1] === 0x30 /* 0: connect */) {
            clearTimeout(timer);
            this.#open = true;
            resolve();
          } else if (frame[1] === 0x34 /* 4: connect error */) {
            socket.terminate();
            reject(new Error(`flood connection ${this.index}: ${frame.toString().slice(0, 200)}`));
          }
        } else if (frame[0] === 0x32 /* 2: ping */ && frame.length === 1) socket.send('3');
        else if (frame[0] === 0x30 /* 0: open */) socket.send('40');
      });
    });
  }

  /**
   * A nickname of this flooder's own: each variant's flooder is new people (new keys), and a
   * nickname stays bound to the first person who claimed it.
   */
  get #nickname(): string {
    return `${this.command.variant}${this.index}`;
  }

  /**
   * Asks for a challenge, signs it and joins. Resolves once the join is answered (whatever the
   * answer: the tally counts it), the connection closes or 10 s pass; rejects without a challenge.
   */
  async #join(): Promise<void> {
    const asked = await this.#request('challenge', 'session:challenge', '{}');
    const challenge = asked && challengeFromAck(asked);
    if (!challenge) {
      const answer = asked?.toString().slice(0, 200) ?? 'closed or not answered';
      throw new Error(`flood connection ${this.index}: no challenge: ${answer}`);
    }
    const host = `127.0.0.1:${this.command.port}`;
    const fields = { nickname: this.#nickname };
    this.#joinPayload = await joinPayloadJson(fields, this.key, challenge, host);
    await this.#request('join', 'session:join', this.#joinPayload);
  }

  /** Sends one event and waits for its acknowledgement (null: closed, or none within 10 s). */
  #request(kind: FloodKind, event: string, payload: string): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), 10_000);
      const done = (frame: Buffer | null) => {
        clearTimeout(timer);
        this.#waiting = null;
        resolve(frame);
      };
      this.#waiting = { kind, resolve: done };
      this.#send(kind, event, payload);
    });
  }

  async #flood(): Promise<void> {
    const socket = this.#socket!;
    const { pace } = this.command;
    const started = nowMicros();
    let sent = 0;
    while (this.#open && nowMicros() < this.command.untilMicros) {
      const due = pace > 0 ? Math.floor(((nowMicros() - started) / 1e6) * pace) - sent : BURST;
      if (socket.bufferedAmount > HIGH_WATER_BYTES || due <= 0) {
        await sleep(1);
        continue;
      }
      for (let burst = 0; burst < Math.min(BURST, due) && this.#open; burst++, sent++) {
        this.#sendNext();
      }
      await nextTurn();
    }
  }

  #sendNext(): void {
    const turn = this.#cycle++;
    if (this.command.variant === 'flood') {
      const sequence = this.#sequence++;
      switch (turn % 3) {
        case 0:
          this.#send(
            'message',
            'message:send',
            // Phase "f": the calm clients' receipt parser counts none of these.
            `{"clientId":"f${this.index}x${sequence}","text":"f ${this.index} ${sequence}"}`,
          );
          break;
        case 1:
          this.#send('typing', 'typing:set', `{"typing":${turn % 2 === 0}}`);
          break;
        default:
          this.#send('join', 'session:join', this.#joinPayload);
      }
      return;
    }
    if (turn % OVERSIZED_EVERY === OVERSIZED_AT) {
      this.tally.oversized++;
      this.#send('malformed', 'message:send', OVERSIZED);
      return;
    }
    const [event, payload] = MALFORMED[turn % MALFORMED.length]!;
    this.#send('malformed', event, payload);
  }

  #send(kind: FloodKind, event: string, payload: string): void {
    // The kind rides in the acknowledgement id, so the reply needs no bookkeeping.
    const id = this.#nextAck++ * FLOOD_KINDS.length + KIND_CODE[kind];
    const frame = `42${id}["${event}",${payload}]`;
    this.#socket!.send(frame);
    this.tally.sent[kind]++;
    this.tally.bytesSent += frame.length;
  }

  #onAck(frame: Buffer): void {
    let index = 2;
    let id = 0;
    for (let byte = frame[index]!; byte >= 0x30 && byte <= 0x39; byte = frame[++index]!) {
      id = id * 10 + (byte - 0x30);
    }
    const kind = FLOOD_KINDS[id % FLOOD_KINDS.length]!;
    const head = frame.toString('utf8', index, Math.min(frame.length, index + 200));
    const outcome = head.startsWith('[{"ok":true')
      ? 'ok'
      : (/"code":"([a-z_]+)"/.exec(head)?.[1] ?? 'unknown');
    const replies = this.tally.replies[kind];
    replies[outcome] = (replies[outcome] ?? 0) + 1;
    if (this.#waiting?.kind === kind) this.#waiting.resolve(frame);
  }
}

/** Floods with `command.connections` connections until the deadline; resolves with the tally. */
export async function flood(command: FloodCommand): Promise<FloodReply> {
  try {
    // A flooder is someone else's machine: it must not take CPU from the calm clients' generator.
    setPriority(19);
  } catch {
    // best effort
  }
  const started = performance.now();
  const tally: FloodReply = {
    type: 'flooded',
    variant: command.variant,
    connections: command.connections,
    address: command.address,
    seconds: 0,
    sent: { join: 0, message: 0, typing: 0, malformed: 0, challenge: 0 },
    replies: { join: {}, message: {}, typing: {}, malformed: {}, challenge: {} },
    disconnects: 0,
    reconnects: 0,
    oversized: 0,
    bytesSent: 0,
    firstError: null,
  };
  const keys = await deviceKeys(command.connections);
  const connections = keys.map((key, index) => new FloodConnection(command, index, tally, key));
  await Promise.all(connections.map((connection) => connection.open()));
  await Promise.all(connections.map((connection) => connection.run()));
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}
