/**
 * Long-polling carries every packet the protocol allows: a file sent in chunks of the size
 * `file:begin` advertises, several in flight with messages between them, over a client that
 * never upgrades to WebSocket (before, each full chunk was refused with 413 and the connection
 * dropped). A request body over the limit is still refused.
 */
import { randomBytes } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { joinWith, onCleanup, startServer, urlOf } from '../../tests/support/chat';
import { LIMITS } from '../shared/limits';
import { base64Length, pollingBodyLimit } from './polling-limit';

type LooseSocket = Socket & {
  emitWithAck(event: string, ...args: unknown[]): Promise<Record<string, unknown>>;
};

async function pollingSocket(url: string): Promise<LooseSocket> {
  const socket = connect(url, {
    transports: ['polling'],
    upgrade: false,
    forceNew: true,
    reconnection: false,
  });
  onCleanup(() => void socket.disconnect());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket as LooseSocket;
}

describe('long-polling', () => {
  it('carries a file in full-size chunks, several in flight, with messages between them', async () => {
    const server = await startServer();
    const socket = await pollingSocket(urlOf(server));
    const disconnects: string[] = [];
    socket.on('disconnect', (reason) => disconnects.push(reason));
    const request = (event: string, payload: object) =>
      socket.timeout(15_000).emitWithAck(event, payload);
    expect(await joinWith(socket, { nickname: 'poller' })).toMatchObject({ ok: true });

    const chunk = LIMITS.fileChunkBytes;
    const bytes = randomBytes(3 * chunk + 1000);
    const begun = await request('file:begin', {
      name: 'big.bin',
      type: 'application/octet-stream',
      size: bytes.length,
    });
    expect(begun).toMatchObject({ ok: true, chunkSize: chunk });
    const uploadId = begun['uploadId'] as string;
    // All chunks at once (the client packs what it can into each request), a message between.
    const chunks = [0, 1, 2, 3].map((index) =>
      request('file:chunk', {
        uploadId,
        offset: index * chunk,
        data: bytes.subarray(index * chunk, (index + 1) * chunk),
      }),
    );
    const message = request('message:send', { clientId: 'between', text: 'x'.repeat(4000) });
    const acks = await Promise.all(chunks);
    expect(acks.map((ack) => ack['received'])).toEqual([chunk, 2 * chunk, 3 * chunk, bytes.length]);
    expect(await message).toMatchObject({ ok: true });
    const ended = await request('file:end', { uploadId });
    expect(ended).toMatchObject({ ok: true, message: { file: { size: bytes.length } } });

    // And back: a full chunk read over long-polling too.
    const id = (ended['message'] as { file: { id: string } }).file.id;
    const read = await request('file:read', { id, offset: 0, length: chunk });
    expect(Buffer.from(read['data'] as Uint8Array).equals(bytes.subarray(0, chunk))).toBe(true);
    expect(disconnects).toEqual([]);
  });

  it('refuses a request body over the limit (413), and takes one at the limit', async () => {
    const server = await startServer();
    const base = `${urlOf(server)}/socket.io/?EIO=4&transport=polling`;
    const openSession = async () => {
      const open = await (await fetch(base)).text();
      return (JSON.parse(open.slice(1)) as { sid: string }).sid;
    };
    const post = async (sid: string, body: string) =>
      (await fetch(`${base}&sid=${sid}`, { method: 'POST', body })).status;
    const limit = pollingBodyLimit();
    // Engine.IO pings are the smallest valid packets: "2" alone is 1 byte, \x1e separates them.
    const pings = (bytes: number) => `2${'\x1e2'.repeat((bytes - 1) / 2)}`;
    const atLimit = limit % 2 === 1 ? limit : limit - 1;
    expect(await post(await openSession(), pings(atLimit))).toBe(200);
    expect(await post(await openSession(), pings(atLimit + 2))).toBe(413);
  });

  it('sizes the limit from the chunk size: a full chunk alone fits, with room for framing', () => {
    expect(pollingBodyLimit()).toBeGreaterThan(1 + base64Length(LIMITS.fileChunkBytes));
    expect(pollingBodyLimit()).toBeGreaterThan(LIMITS.maxPayloadBytes);
    // A larger chunk than maxPayload allows for would need a larger limit, not a guess.
    expect(pollingBodyLimit(65_536, 96 * 1024)).toBe(1 + base64Length(96 * 1024));
  });
});
