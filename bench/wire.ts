/**
 * The load generator's client: a bare WebSocket (the `ws` package) that speaks just enough
 * Engine.IO 4 / Socket.IO 5 to join and chat (docs/PROTOCOL.md, "what goes over the WebSocket"),
 * or raw frames for the `ws` server. socket.io-client would cost the generator several times more
 * CPU per received message than the servers spend sending it; this client finds the message text
 * in the received bytes without decoding the frame, so that one generator core can keep up with
 * tens of thousands of deliveries per second — the same way for all three servers.
 */
import WebSocket from 'ws';
import type { DeviceKey } from '../src/client/device-key';
import { challengeFromAck, challengeFromEvent, joinPayloadJson } from './identity';

export type ServerKind = 'parley' | 'socketio' | 'ws';
export const SERVER_KINDS: readonly ServerKind[] = ['parley', 'socketio', 'ws'];
export const SERVER_LABELS: Record<ServerKind, string> = {
  parley: 'Parley',
  socketio: 'plain Socket.IO',
  ws: 'raw ws',
};

/** Microseconds on the monotonic clock that every process on this machine shares. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Benchmark message text: `<phase> <sender> <sent µs>`. Phase `w` is warm-up, `m` is measured,
 * `p` a capacity probe. Letters, digits and spaces: valid Parley message text.
 */
export function messageText(phase: string, sender: number, sentMicros: number): string {
  return `${phase} ${sender} ${sentMicros}`;
}

export interface Receipt {
  phase: number; // char code of the phase letter
  sender: number;
  sentMicros: number;
}

const TEXT_MARKER = Buffer.from('"text":"');
const SPACE = 0x20;

/** Finds and parses the benchmark text in a received frame, without decoding it. */
export function parseReceipt(frame: Buffer): Receipt | null {
  const at = frame.indexOf(TEXT_MARKER);
  if (at === -1) return null;
  let index = at + TEXT_MARKER.length;
  const phase = frame[index]!;
  index += 2;
  let sender = 0;
  for (let byte = frame[index]!; byte !== SPACE; byte = frame[++index]!) {
    if (byte < 0x30 || byte > 0x39) return null;
    sender = sender * 10 + (byte - 0x30);
  }
  index += 1;
  let sentMicros = 0;
  for (let byte = frame[index]!; byte >= 0x30 && byte <= 0x39; byte = frame[++index]!) {
    sentMicros = sentMicros * 10 + (byte - 0x30);
  }
  return { phase, sender, sentMicros };
}

export interface LoadClientHandlers {
  onReceipt(receipt: Receipt): void;
  /**
   * An acknowledged message:send or presence:set (Parley only): `code` is the error code when it
   * failed, `micros` the time from sending to the acknowledgement.
   */
  onAck(code: string | null, micros: number): void;
  onClose(): void;
}

const CHAT_EVENT = { parley: 'message:send', socketio: 'chat message' } as const;
const ACK_PREFIX = Buffer.from('43');
const PRESENCE_CHANGES = Buffer.from('["presence:changes"');
const HELLO = Buffer.from('["session:hello"');
const OK_TRUE = Buffer.from('"ok":true');
const CODE_MARKER = Buffer.from('"code":"');

/** Acknowledgement ids of a Parley client's joining; its message:send ids follow. */
const CHALLENGE_ACK = 0;
const JOIN_ACK = 1;

export class LoadClient {
  readonly #socket: WebSocket;
  #nextAckId = JOIN_ACK + 1;
  #sequence = 0;
  #joined: ((ok: boolean, detail: string) => void) | null = null;
  /** The challenge the server gave this connection (session:hello), until the join used it. */
  #challenge: string | null = null;
  /** When each request still waiting for its acknowledgement was sent (µs), by ack id. */
  readonly #sentAt = new Map<number, number>();
  open = false;

  private constructor(
    readonly kind: ServerKind,
    readonly index: number,
    socket: WebSocket,
    private readonly handlers: LoadClientHandlers,
    private readonly key: DeviceKey | null,
    private readonly host: string,
  ) {
    this.#socket = socket;
  }

  /**
   * Connects (and, for Parley, joins as `bench<index>`, proving `key`: see identity.ts); resolves
   * once the client can chat. Rejects after `timeoutMs`.
   */
  static connect(
    kind: ServerKind,
    port: number,
    index: number,
    handlers: LoadClientHandlers,
    key: DeviceKey | null,
    timeoutMs = 30_000,
  ): Promise<LoadClient> {
    if (kind === 'parley' && !key) {
      return Promise.reject(new Error(`client ${index}: Parley needs a device key`));
    }
    // Parley's clients take joins and leaves in batches (presence:changes), of the people they
    // list only (the join's first page), as the app's do.
    const path =
      kind === 'ws'
        ? '/'
        : `/socket.io/?EIO=4&transport=websocket${kind === 'parley' ? '&presence=listed' : ''}`;
    const url = new URL(`ws://127.0.0.1:${port}${path}`);
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const client = new LoadClient(kind, index, socket, handlers, key, url.host);
    return new Promise<LoadClient>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`client ${index}: not ready after ${timeoutMs} ms`));
      }, timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        client.open = true;
        resolve(client);
      };
      const failed = (error: Error) => {
        clearTimeout(timer);
        socket.terminate();
        reject(error);
      };
      socket.once('error', failed);
      socket.on('close', () => {
        const wasOpen = client.open;
        client.open = false;
        if (wasOpen) handlers.onClose();
        else failed(new Error(`client ${index}: closed before it was ready`));
      });
      if (kind === 'ws') {
        socket.once('open', ready);
        socket.on('message', (data: Buffer) => client.#onRawFrame(data));
        return;
      }
      client.#joined = (ok, detail) => {
        client.#joined = null;
        if (ok) ready();
        else failed(new Error(`client ${index}: join refused: ${detail}`));
      };
      socket.on('message', (data: Buffer) => client.#onEngineFrame(data));
    });
  }

  /** Sends one chat message with this text (and, for Parley, an acknowledgement). */
  send(text: string): void {
    if (!this.open) return;
    const clientId = `c${this.index}x${this.#sequence++}`;
    const payload = `{"clientId":"${clientId}","text":"${text}"}`;
    if (this.kind === 'ws') this.#socket.send(payload);
    else if (this.kind === 'socketio') this.#socket.send(`42["${CHAT_EVENT.socketio}",${payload}]`);
    else this.#request(CHAT_EVENT.parley, payload);
  }

  /**
   * Sets this person's status line (Parley only): every other client, on every node of a
   * cluster, is told with `presence:changed`, whose text parseReceipt finds like a message's.
   */
  setPresence(text: string): void {
    if (this.open && this.kind === 'parley') {
      this.#request('presence:set', `{"status":"online","text":"${text}"}`);
    }
  }

  #request(event: string, payload: string): void {
    const id = this.#nextAckId++;
    this.#sentAt.set(id, nowMicros());
    this.#socket.send(`42${id}["${event}",${payload}]`);
  }

  close(): void {
    this.open = false;
    this.#socket.terminate();
  }

  #onRawFrame(frame: Buffer): void {
    const receipt = parseReceipt(frame);
    if (receipt) this.handlers.onReceipt(receipt);
  }

  #onEngineFrame(frame: Buffer): void {
    const engineType = frame[0];
    if (engineType === 0x34 /* 4: message */) {
      const socketType = frame[1];
      if (socketType === 0x32 /* 2: event */) {
        // Joins and leaves carry no benchmark text: not searched (in a join storm they are
        // nearly all the bytes a client gets).
        if (PRESENCE_CHANGES.compare(frame, 2, 2 + PRESENCE_CHANGES.length) === 0) return;
        if (this.kind === 'parley' && this.#challenge === null && frame.indexOf(HELLO) === 2) {
          this.#challenge = challengeFromEvent(frame);
          return;
        }
        const receipt = parseReceipt(frame);
        if (receipt) this.handlers.onReceipt(receipt);
      } else if (socketType === 0x33 /* 3: ack */ && frame.indexOf(ACK_PREFIX) === 0) {
        this.#onAck(frame);
      } else if (socketType === 0x30 /* 0: connect */) {
        if (this.kind === 'parley') {
          // The challenge came before the connect (session:hello): join at once, as the app does.
          if (this.#challenge !== null) this.#join(this.#challenge);
          else this.#socket.send(`42${CHALLENGE_ACK}["session:challenge",{}]`);
        } else {
          this.#joined?.(true, '');
        }
      } else if (socketType === 0x34 /* 4: connect error */) {
        this.#joined?.(false, frame.toString());
      }
    } else if (engineType === 0x32 /* 2: ping */ && frame.length === 1) {
      this.#socket.send('3');
    } else if (engineType === 0x30 /* 0: open */) {
      this.#socket.send('40');
    }
  }

  #onAck(frame: Buffer): void {
    // 43<id>[…]: ids 0 and 1 are the challenge and the join, the others are message:send.
    let index = 2;
    let id = 0;
    for (let byte = frame[index]!; byte >= 0x30 && byte <= 0x39; byte = frame[++index]!) {
      id = id * 10 + (byte - 0x30);
    }
    if (id === CHALLENGE_ACK) {
      this.#onChallenge(frame);
      return;
    }
    // The envelope starts with "ok": look only at the head, never into message texts.
    const ok = frame.subarray(0, 32).indexOf(OK_TRUE) !== -1;
    if (id === JOIN_ACK) {
      this.#joined?.(ok, ok ? '' : frame.toString().slice(0, 300));
      return;
    }
    const sentAt = this.#sentAt.get(id);
    this.#sentAt.delete(id);
    const micros = sentAt === undefined ? 0 : nowMicros() - sentAt;
    if (ok) {
      this.handlers.onAck(null, micros);
      return;
    }
    const at = frame.indexOf(CODE_MARKER);
    const code =
      at === -1
        ? 'unknown'
        : frame.toString('utf8', at + CODE_MARKER.length, frame.indexOf('"', at + 8));
    this.handlers.onAck(code, micros);
  }

  /** Signs the challenge the server gave when asked (session:challenge), and joins. */
  #onChallenge(frame: Buffer): void {
    const challenge = challengeFromAck(frame);
    if (challenge === null) {
      this.#joined?.(false, frame.toString().slice(0, 300));
      return;
    }
    this.#join(challenge);
  }

  /** Signs `challenge` (about 0.05 ms: the key was made ahead) and joins. */
  #join(challenge: string): void {
    joinPayloadJson({ nickname: `bench${this.index}` }, this.key!, challenge, this.host).then(
      (payload) => {
        if (this.#socket.readyState === WebSocket.OPEN) {
          this.#socket.send(`42${JOIN_ACK}["session:join",${payload}]`);
        }
      },
      (error: Error) => this.#joined?.(false, `could not sign the challenge: ${error.message}`),
    );
  }
}
