/**
 * ChatClient and message changes: the outbox carries edits, deletes, reactions, pins and replies
 * like messages (sent once, also across a server restart), and every client that applies what it
 * is delivered (mergeLog) ends with the same messages as a fresh join.
 */
import { mkdtempSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, onCleanup, startServer, urlOf, waitFor } from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';
import { mergeLog } from '../shared/message-changes';
import type { ChatMessage } from '../shared/protocol';
import { createChatServer } from '../server/chat-server';
import type { ChatClient } from './chat-client';

/** The messages a client holds, as a UI applying its events does. */
function held(chat: ChatClient): { messages: ChatMessage[]; entries: number } {
  const state = { messages: [] as ChatMessage[], entries: 0 };
  chat.onEvent((event: ChatEvent) => {
    const incoming =
      event.type === 'session'
        ? event.session.messages
        : event.type === 'message'
          ? [event.message]
          : event.type === 'history'
            ? event.messages
            : [];
    state.entries += incoming.filter((message) => message.change).length;
    state.messages = mergeLog(state.messages, incoming);
  });
  return state;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('ChatClient message changes', () => {
  it('sends changes and replies from the outbox; both clients hold the same final messages', async () => {
    // Nobody is the host: only the author may delete.
    const server = await startServer({ isHostAddress: () => false });
    const alice = client();
    const bob = client();
    const aliceHeld = held(alice);
    const bobHeld = held(bob);
    await alice.connect(urlOf(server), 'alice');
    await bob.connect(urlOf(server), 'bob');
    expect(alice.post('first').ok).toBe(true);
    await waitFor(() => bobHeld.messages.length === 1, 'bob to get the message');
    const target = bobHeld.messages[0]!.id;
    expect(bob.post('a reply', undefined, target).ok).toBe(true);
    expect(alice.changeMessage({ kind: 'edit', target, text: 'first, edited' }).ok).toBe(true);
    expect(bob.changeMessage({ kind: 'reaction', target, emoji: '👍', add: true }).ok).toBe(true);
    expect(bob.changeMessage({ kind: 'pin', target, pinned: true }).ok).toBe(true);
    await waitFor(() => aliceHeld.entries === 3 && bobHeld.entries === 3, 'the changes');
    expect(aliceHeld.messages).toEqual(bobHeld.messages);
    expect(aliceHeld.messages[0]).toMatchObject({
      text: 'first, edited',
      reactions: [{ emoji: '👍' }],
      pinned: { by: { nickname: 'bob' } },
    });
    expect(aliceHeld.messages[1]?.reply).toMatchObject({ id: target, text: 'first' });
    expect(await alice.pinnedMessages()).toMatchObject({ ok: true, messages: [{ id: target }] });

    // Refused by the server: the change leaves the outbox, and the client says why.
    const errors: string[] = [];
    bob.onEvent((event) => event.type === 'error' && errors.push(event.error.code));
    expect(bob.changeMessage({ kind: 'delete', target }).ok).toBe(true);
    await waitFor(() => errors.length === 1, 'the refusal');
    expect(errors).toEqual(['not_allowed']);
    expect(bob.outbox).toEqual([]);
    expect(alice.changeMessage({ kind: 'delete', target }).ok).toBe(true);
    await waitFor(() => bobHeld.messages[0]?.deleted === true, 'bob to see the delete');
    expect(bobHeld.messages[1]?.reply).toMatchObject({ text: '', deleted: true });
    const fresh = client();
    await fresh.connect(urlOf(server), 'carol');
    expect(mergeLog([], fresh.session!.messages)).toEqual(aliceHeld.messages);
  });

  it('keeps changes made while the server is down and applies each once when it is back', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-changes-'));
    const start = () => createChatServer({ host: '127.0.0.1', port, dataDir, webRoot: null });
    let server = await start();
    onCleanup(() => server.close());
    const alice = client();
    const aliceHeld = held(alice);
    await alice.connect(`http://127.0.0.1:${port}`, 'alice');
    alice.post('before');
    await waitFor(() => aliceHeld.messages.length === 1, 'the message');
    const target = aliceHeld.messages[0]!.id;

    await server.close();
    await waitFor(() => alice.status.state === 'reconnecting', 'alice to notice');
    alice.changeMessage({ kind: 'reaction', target, emoji: '🎉', add: true });
    alice.changeMessage({ kind: 'edit', target, text: 'after' });
    server = await start();
    await waitFor(() => alice.outbox.length === 0, 'the outbox to drain', 10_000);
    await waitFor(() => aliceHeld.entries === 2, 'the changes to come back', 10_000);
    expect(aliceHeld.messages).toEqual([
      expect.objectContaining({
        text: 'after',
        reactions: [expect.objectContaining({ emoji: '🎉' })],
      }),
    ]);
    const fresh = client();
    await fresh.connect(`http://127.0.0.1:${port}`, 'bob');
    expect(fresh.session!.messages.filter((message) => message.change)).toHaveLength(2);
    expect(mergeLog([], fresh.session!.messages)).toEqual(aliceHeld.messages);
  });
});
