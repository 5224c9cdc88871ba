/**
 * Helpers for the web e2e specs: a second person speaking the wire protocol directly
 * (socket.io-client) to write messages fast (and to make rooms), without a browser page of
 * their own; and a wait for the message list to settle.
 */
import { expect, type Page } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { joinWith } from '../../support/join-with';
import type { ParleyServerProcess } from './parley-server';

/** How long the server may take to acknowledge: a bound for a busy machine, not a wait. */
const ACK_TIMEOUT_MS = 15_000;

/** Joins `server` over the wire protocol as `nickname`. */
export async function connectWriter(
  server: ParleyServerProcess,
  nickname = 'writer',
): Promise<Socket> {
  const socket = io(server.url, { transports: ['websocket'], reconnection: false });
  const joined = (await joinWith(socket, { nickname })) as {
    ok: boolean;
  };
  expect(joined.ok).toBe(true);
  return socket;
}

/** Makes each message's client id unique: the server takes a repeated one for a resend. */
let sent = 0;

/** Sends `texts` one after the other (each acknowledged), to `room` (default the lobby). */
export async function write(socket: Socket, texts: string[], room?: string): Promise<void> {
  for (const body of texts) {
    const ack = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', {
      clientId: `e2e-${Date.now()}-${++sent}`,
      text: body,
      ...(room === undefined ? {} : { room }),
    })) as { ok: boolean };
    expect(ack.ok).toBe(true);
  }
}

/** Creates a room called `name` and joins it; returns its id. */
export async function createRoom(socket: Socket, name: string): Promise<string> {
  const created = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:create', { name })) as {
    ok: boolean;
    room?: { id: string };
  };
  expect(created.ok).toBe(true);
  const joined = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('room:join', {
    room: created.room!.id,
  })) as { ok: boolean };
  expect(joined.ok).toBe(true);
  return created.room!.id;
}

/**
 * Lets the list lay itself out and keyboard scrolling (animated in Chromium) finish: waits for
 * frames until the log's scroll position has not changed for three of them.
 */
export async function settle(page: Page): Promise<void> {
  await page.getByRole('log', { name: 'Messages', exact: true }).evaluate(
    (log) =>
      new Promise<void>((done) => {
        let last = -1;
        let still = 0;
        const check = (frames: number) => {
          still = log.scrollTop === last ? still + 1 : 0;
          last = log.scrollTop;
          if (still >= 3 || frames > 300) done();
          else requestAnimationFrame(() => check(frames + 1));
        };
        requestAnimationFrame(() => check(0));
      }),
  );
}
