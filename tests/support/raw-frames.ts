/**
 * Test support: a raw Engine.IO 4 / Socket.IO 5 client over a plain WebSocket (docs/PROTOCOL.md
 * §1 shows the frames), for packets socket.io-client refuses or cannot produce: reserved event
 * names, unparsable JSON, broken binary attachments, nesting deeper than its own recursive
 * encoder survives. Connections close automatically after each test.
 */
import WebSocket from 'ws';
import type { ChatServer } from '../../src/server/chat-server';
import { onCleanup } from './chat';

/** How the server answered one request: an acknowledgement, or it closed the connection. */
export type RawOutcome = { kind: 'ack'; args: unknown[] } | { kind: 'closed'; code: number };

export class RawFrameSocket {
  readonly #ws: WebSocket;
  readonly #waiting = new Map<number, (outcome: RawOutcome) => void>();
  #nextAckId = 1;
  #closeCode: number | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = data.toString();
      if (frame === '2') ws.send('3'); // Engine.IO ping: answer, or the server drops us
      const ack = /^43(\d+)(\[.*)$/s.exec(frame);
      if (ack) this.#settle(Number(ack[1]), { kind: 'ack', args: JSON.parse(ack[2]!) });
    });
    ws.on('close', (code) => {
      this.#closeCode = code;
      for (const id of [...this.#waiting.keys()]) this.#settle(id, { kind: 'closed', code });
    });
  }

  /** Opens a WebSocket to the server and connects to the default namespace. */
  static async connect(server: ChatServer): Promise<RawFrameSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`);
    onCleanup(() => ws.terminate());
    const socket = new RawFrameSocket(ws);
    await socket.#nextFrame((frame) => frame.startsWith('0{'));
    const connected = socket.#nextFrame((frame) => frame.startsWith('40{'));
    ws.send('40');
    await connected;
    return socket;
  }

  /** The WebSocket extensions the server agreed to (the client offers permessage-deflate). */
  get extensions(): string {
    return this.#ws.extensions;
  }

  get open(): boolean {
    return this.#closeCode === null;
  }

  /**
   * Sends the frames `build` makes for a fresh ack id (for example
   * `` id => [`42${id}["x",{}]`] ``) and resolves with the ack or the connection's close.
   */
  request(
    build: (ackId: number) => Array<string | Buffer>,
    timeoutMs = 5_000,
  ): Promise<RawOutcome> {
    const id = this.#nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`no ack ${id} and no close within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      if (this.#closeCode !== null) this.#settle(id, { kind: 'closed', code: this.#closeCode });
      else for (const frame of build(id)) this.#ws.send(frame);
    });
  }

  close(): void {
    this.#ws.close();
  }

  #settle(id: number, outcome: RawOutcome): void {
    const waiter = this.#waiting.get(id);
    this.#waiting.delete(id);
    waiter?.(outcome);
  }

  #nextFrame(matches: (frame: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#ws.off('message', onMessage);
        reject(new Error('the server sent no handshake'));
      }, 5_000);
      const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
        const frame = data.toString();
        if (isBinary || !matches(frame)) return;
        clearTimeout(timer);
        this.#ws.off('message', onMessage);
        resolve(frame);
      };
      this.#ws.on('message', onMessage);
    });
  }
}
