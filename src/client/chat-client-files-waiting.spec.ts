/**
 * Files wait like text (issue 15): against real servers, a file chosen while the server is down
 * waits and is posted once when it is back, after the messages written before it; one cut off
 * half-way by a lost connection is sent again from the start and posted once; a waiting file can
 * be cancelled, and leaving the server ends what waits.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { client, onCleanup, startServer, urlOf, waitFor } from '../../tests/support/chat';
import { storedFiles } from '../../tests/support/files';
import { restartableServer } from '../../tests/support/restartable-server';
import { startTcpProxy } from '../../tests/support/tcp-proxy';
import type { ChatMessage } from '../shared/protocol';
import { LIMITS, LOBBY } from '../shared/limits';
import type { ChatClient } from './chat-client';
import { bytesSource } from './file-transfer';

/**
 * Every message `chat` shows: live ones, and those a rejoin brings (missed while away, they come
 * in the `session` event). A client that rejoins after the file was posted gets it the second way:
 * counting live messages only made the first test fail when bob's reconnect came late (CI).
 */
function messagesSeen(chat: ChatClient): ChatMessage[] {
  const seen: ChatMessage[] = [];
  chat.onEvent((event) => {
    if (event.type === 'message') seen.push(event.message);
    if (event.type === 'session') seen.push(...event.session.messages);
  });
  return seen;
}

/** Lets every callback already due run (a few turns of the event loop), without waiting on time. */
async function turns(count = 5): Promise<void> {
  for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('ChatClient files while disconnected', () => {
  it('keeps a file chosen while the server is down and posts it once, after what was written before it', async () => {
    const room = await restartableServer();
    const alice = client();
    const bob = client();
    await alice.connect(room.url, 'alice');
    await bob.connect(room.url, 'bob');
    const bobSaw = messagesSeen(bob);

    await room.stop();
    await waitFor(() => alice.status.state === 'reconnecting', 'alice to notice');
    expect(alice.post('the notes follow').ok).toBe(true);
    const bytes = randomBytes(LIMITS.fileChunkBytes * 3 + 10);
    let settled = false;
    const sending = alice.sendFile(bytesSource('notes.txt', 'text/plain', bytes));
    void sending.then(() => (settled = true));
    await turns();
    // Waiting, not refused.
    expect(settled).toBe(false);

    await room.start();
    const sent = await sending;
    expect(sent).toMatchObject({ ok: true, message: { file: { name: 'notes.txt' } } });
    await waitFor(() => bobSaw.some((message) => message.file), 'bob to get the file');
    const fresh = client();
    await fresh.connect(room.url, 'carol');
    expect(fresh.session!.messages.map((message) => message.file?.name ?? message.text)).toEqual([
      'the notes follow',
      'notes.txt',
    ]);
    expect(bobSaw.filter((message) => message.file)).toHaveLength(1);
    expect(storedFiles(room.dataDir)).toHaveLength(1);
  });

  it('sends a file cut off by a lost connection again from the start, and posts it once', async () => {
    const server = await startServer();
    const proxy = await startTcpProxy({ targetPort: server.port });
    onCleanup(() => proxy.close());
    const alice = client();
    const bob = client();
    await alice.connect(`http://127.0.0.1:${proxy.port}`, 'alice');
    await bob.connect(urlOf(server), 'bob');
    const bobSaw = messagesSeen(bob);

    const bytes = randomBytes(LIMITS.fileChunkBytes * 12);
    const progress: number[] = [];
    const sent = await alice.sendFile(bytesSource('cut.bin', '', bytes), LOBBY, {
      onProgress: (done) => {
        // The first chunk is in: the connection drops under the upload.
        if (progress.length === 0) proxy.cut();
        progress.push(done);
      },
    });
    expect(sent).toMatchObject({ ok: true, message: { file: { name: 'cut.bin' } } });
    // It started again from nothing, and finished.
    expect(progress.indexOf(0)).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(bytes.length);
    expect(proxy.acceptedConnections).toBeGreaterThan(1);
    await waitFor(() => bobSaw.some((message) => message.file), 'bob to get the file');
    expect(bobSaw.filter((message) => message.file)).toHaveLength(1);
  });

  it('cancels a waiting file, and ends what waits when the person leaves the server', async () => {
    const idle = client();
    expect(await idle.sendFile(bytesSource('a.txt', 'text/plain', new Uint8Array([1])))).toEqual({
      ok: false,
      error: { code: 'not_connected', message: 'Join a server first.' },
    });

    const room = await restartableServer();
    const alice = client();
    await alice.connect(room.url, 'alice');
    await room.stop();
    await waitFor(() => alice.status.state === 'reconnecting', 'alice to notice');

    const controller = new AbortController();
    const first = alice.sendFile(
      bytesSource('first.txt', 'text/plain', new Uint8Array([1])),
      LOBBY,
      {
        signal: controller.signal,
      },
    );
    const second = alice.sendFile(bytesSource('second.txt', 'text/plain', new Uint8Array([2])));
    controller.abort();
    expect(await first).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    await alice.disconnect();
    expect(await second).toEqual({
      ok: false,
      error: { code: 'not_connected', message: 'You left the server: the file was not sent.' },
    });

    // Back on the server, nothing of either was posted or stored.
    await room.start();
    await alice.connect(room.url, 'alice');
    expect(alice.session!.messages).toEqual([]);
    expect(storedFiles(room.dataDir)).toEqual([]);
  });
});
