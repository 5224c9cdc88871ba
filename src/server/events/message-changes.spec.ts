/**
 * `message:change` (edit, delete, reaction, pin), replies (`message:send` `replyTo`),
 * `room:pins` and @mentions (resolved to identities by the server) against a real server: who may do what (by identity), what everyone sees, what a
 * history page returns afterwards, and what is left on disk after a delete.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collect,
  emitRaw,
  joinRaw,
  rawSocket,
  startServer,
  waitFor,
  type RawSocket,
} from '../../../tests/support/chat';
import { dataDirectory, storedFiles, uploadRaw } from '../../../tests/support/files';
import { joinWith, memoryDeviceKey } from '../../../tests/support/join-with';
import { LIMITS } from '../../shared/limits';
import type { ChatMessage, MessageChange } from '../../shared/protocol';
import type { ChatServer, ChatServerOptions } from '../chat-server';

/** Nobody is the host but connections from 127.0.0.2. */
const HOST_ADDRESS = '127.0.0.2';
const options: ChatServerOptions = { isHostAddress: (address) => address.endsWith(HOST_ADDRESS) };

async function send(socket: RawSocket, clientId: string, text: string, extra = {}) {
  const result = await emitRaw(socket, 'message:send', { clientId, text, ...extra });
  if (!result.ok) throw new Error(result.error.message);
  return result.message as ChatMessage;
}

function change(socket: RawSocket, clientId: string, what: MessageChange, room?: string) {
  return emitRaw(socket, 'message:change', { clientId, change: what, ...(room ? { room } : {}) });
}

async function changed(socket: RawSocket, clientId: string, what: MessageChange) {
  const result = await change(socket, clientId, what);
  if (!result.ok) throw new Error(result.error.message);
  return result.message as ChatMessage;
}

async function stored(socket: RawSocket, id: number): Promise<ChatMessage | undefined> {
  const page = await emitRaw(socket, 'history:fetch', { after: 0 });
  if (!page.ok) throw new Error(page.error.message);
  return (page.messages as ChatMessage[]).find((message) => message.id === id);
}

describe('message:change', () => {
  it('edits: everyone gets the entry, pages show the new text with its history', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const seen = collect(bob, 'message:created');
    const original = await send(alice, 'm1', 'helo');
    const entry = await changed(alice, 'e1', { kind: 'edit', target: original.id, text: 'hello' });
    expect(entry).toMatchObject({
      text: '',
      change: { kind: 'edit', target: original.id, text: 'hello' },
    });
    expect(entry.id).toBeGreaterThan(original.id);
    await waitFor(() => seen.length === 2, 'bob to get the message and the edit');
    expect(seen[1]).toEqual(entry);
    expect(await stored(bob, original.id)).toMatchObject({
      text: 'hello',
      editedAt: entry.sentAt,
      edits: [{ text: 'helo', entry: entry.id }],
      revision: entry.id,
    });
  });

  it('refuses an edit by anyone but the author, and a delete by a third person, changing nothing', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const carol = await joinRaw(server, 'carol');
    const original = await send(alice, 'm1', 'mine');
    const created = collect(alice, 'message:created');
    expect(
      await change(carol, 'x1', { kind: 'edit', target: original.id, text: 'yours' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(await change(carol, 'x2', { kind: 'delete', target: original.id })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    expect(await stored(alice, original.id)).toEqual(original);
    // The same requests from the author go through: nothing was remembered of the refusals.
    await changed(alice, 'x1', { kind: 'edit', target: original.id, text: 'still mine' });
    expect(created.map((message) => message.change?.kind)).toEqual(['edit']);
  });

  it('decides by identity: the same nickname, later someone else, may not edit or delete', async () => {
    const server = await startServer(options);
    const host = await rawSocket(server, HOST_ADDRESS);
    expect(await joinWith(host, { nickname: 'host' })).toMatchObject({ ok: true });
    const alice = await joinRaw(server, 'alice');
    const original = await send(alice, 'm1', 'by the first alice');
    alice.disconnect();
    expect(await emitRaw(host, 'name:release', { nickname: 'alice' })).toMatchObject({ ok: true });
    const impostor = await joinRaw(server, 'alice', memoryDeviceKey());
    expect(
      await change(impostor, 'e1', { kind: 'edit', target: original.id, text: 'changed' }),
    ).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
    expect(await change(impostor, 'd1', { kind: 'delete', target: original.id })).toMatchObject({
      ok: false,
      error: { code: 'not_allowed' },
    });
    expect(await stored(host, original.id)).toEqual(original);
  });

  it('lets the author and the host delete; the text is gone from pages and the entry has none', async () => {
    const server = await startServer(options);
    const host = await rawSocket(server, HOST_ADDRESS);
    expect(await joinWith(host, { nickname: 'host' })).toMatchObject({ ok: true });
    const alice = await joinRaw(server, 'alice');
    const first = await send(alice, 'm1', 'secret one');
    const second = await send(alice, 'm2', 'secret two');
    await changed(alice, 'e1', { kind: 'edit', target: first.id, text: 'secret edited' });
    const byAuthor = await changed(alice, 'd1', { kind: 'delete', target: first.id });
    const byHost = await changed(host, 'd2', { kind: 'delete', target: second.id });
    expect(byAuthor).toMatchObject({ text: '', change: { kind: 'delete', target: first.id } });
    const page = await emitRaw(alice, 'history:fetch', { after: 0 });
    const text = JSON.stringify(page);
    expect(text).not.toContain('secret');
    expect(await stored(alice, first.id)).toEqual({
      id: first.id,
      clientId: 'm1',
      room: 'lobby',
      author: first.author,
      text: '',
      sentAt: first.sentAt,
      deleted: true,
      revision: byAuthor.id,
    });
    expect(await stored(alice, second.id)).toMatchObject({ deleted: true, revision: byHost.id });
    // A deleted message takes no more changes.
    expect(
      await change(alice, 'e2', { kind: 'edit', target: first.id, text: 'back' }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
  });

  it('refuses a target that is not a message of that room', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const original = await send(alice, 'm1', 'here');
    const entry = await changed(alice, 'r1', {
      kind: 'reaction',
      target: original.id,
      emoji: '👍',
      add: true,
    });
    const created = await emitRaw(alice, 'room:create', { name: 'Design' });
    const design = (created as unknown as { room: { id: string } }).room.id;
    await emitRaw(alice, 'room:join', { room: design });
    for (const [what, room] of [
      [{ kind: 'delete', target: 9_999 }, undefined],
      [{ kind: 'delete', target: original.id }, design],
      [{ kind: 'edit', target: entry.id, text: 'x' }, undefined],
    ] as const) {
      expect(await change(alice, `bad-${what.target}-${room}`, what, room)).toMatchObject({
        ok: false,
        error: { code: 'unknown_message' },
      });
    }
    expect(
      await emitRaw(alice, 'message:send', { clientId: 'r9', text: 'x', replyTo: 9_999 }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
    expect(
      await emitRaw(alice, 'message:send', {
        room: design,
        clientId: 'r8',
        text: 'x',
        replyTo: original.id,
      }),
    ).toMatchObject({ ok: false, error: { code: 'unknown_message' } });
    expect(
      await change(alice, 'e9', { kind: 'edit', target: original.id, text: '' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('counts reactions with who, adding twice is once, and refuses what is not a short emoji', async () => {
    const fast = { points: 1_000, durationSeconds: 1 };
    const server = await startServer({
      ...options,
      rateLimits: { message: fast, messagePerAddress: fast },
    });
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const original = await send(alice, 'm1', 'react');
    const react = (socket: RawSocket, id: string, emoji: string, add: boolean) =>
      changed(socket, id, { kind: 'reaction', target: original.id, emoji, add });
    await react(alice, 'a1', '👍', true);
    await react(alice, 'a2', '👍', true);
    await react(bob, 'b1', '👍', true);
    await react(bob, 'b2', '👨‍👩‍👧', true);
    await react(bob, 'b3', '🎉', false);
    let current = await stored(alice, original.id);
    expect(
      current?.reactions?.map(({ emoji, users }) => [emoji, users.map((u) => u.nickname)]),
    ).toEqual([
      ['👍', ['alice', 'bob']],
      ['👨‍👩‍👧', ['bob']],
    ]);
    await react(alice, 'a3', '👍', false);
    await react(bob, 'b4', '👨‍👩‍👧', false);
    current = await stored(alice, original.id);
    expect(current?.reactions).toEqual([
      { emoji: '👍', users: [current!.reactions![0]!.users[0]] },
    ]);
    expect(current?.reactions?.[0]?.users.map((user) => user.nickname)).toEqual(['bob']);
    // At most LIMITS.reactionsPerMessage different emoji on one message.
    const many = await send(alice, 'm2', 'many');
    const emojiOf = (n: number) => String.fromCodePoint(0x1f600 + n);
    for (let n = 0; n < LIMITS.reactionsPerMessage; n++) {
      await changed(alice, `many-${n}`, {
        kind: 'reaction',
        target: many.id,
        emoji: emojiOf(n),
        add: true,
      });
    }
    const tooMany = { kind: 'reaction', target: many.id, emoji: '🦜', add: true } as const;
    expect(await change(bob, 'one-more', tooMany)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    // An emoji already there still counts one more person.
    await changed(bob, 'same', { ...tooMany, emoji: emojiOf(0) });
    for (const emoji of ['', 'a b', '👍👍👍👍', '\u200b', 'x'.repeat(40), '\u0007']) {
      expect(
        await change(alice, `bad-${emoji.length}`, {
          kind: 'reaction',
          target: original.id,
          emoji,
          add: true,
        }),
        JSON.stringify(emoji),
      ).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    }
  });

  it('applies a resent change once: the same clientId returns the original entry', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const original = await send(alice, 'm1', 'one');
    const created = collect(alice, 'message:created');
    const edit = { kind: 'edit', target: original.id, text: 'two' } as const;
    const [first, second] = await Promise.all([
      changed(alice, 'e1', edit),
      changed(alice, 'e1', edit),
    ]);
    const third = await changed(alice, 'e1', edit);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect((await stored(alice, original.id))?.edits).toHaveLength(1);
    await send(alice, 'marker', 'marker');
    await waitFor(() => created.some((message) => message.text === 'marker'), 'the marker');
    expect(created.filter((message) => message.change)).toHaveLength(1);
  });

  it('replies quote the original; deleting it erases the quote', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const original = await send(alice, 'm1', 'x'.repeat(300));
    const reply = await send(bob, 'r1', 'agreed', { replyTo: original.id });
    expect(reply.reply).toEqual({
      id: original.id,
      author: original.author,
      text: 'x'.repeat(140),
    });
    await changed(alice, 'd1', { kind: 'delete', target: original.id });
    expect((await stored(bob, reply.id))?.reply).toEqual({
      id: original.id,
      author: original.author,
      text: '',
      deleted: true,
    });
    expect(
      await send(bob, 'r2', 'late', { replyTo: original.id }).catch((e: Error) => e.message),
    ).toBe(`Message ${original.id} was deleted.`);
  });

  it('pins and unpins; room:pins lists what is pinned now', async () => {
    const server = await startServer(options);
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const first = await send(alice, 'm1', 'first');
    const second = await send(alice, 'm2', 'second');
    await changed(bob, 'p1', { kind: 'pin', target: second.id, pinned: true });
    await changed(bob, 'p2', { kind: 'pin', target: first.id, pinned: true });
    const pins = await emitRaw(alice, 'room:pins', {});
    expect(
      (pins as unknown as { messages: ChatMessage[] }).messages.map((m) => [
        m.id,
        m.pinned?.by.nickname,
      ]),
    ).toEqual([
      [first.id, 'bob'],
      [second.id, 'bob'],
    ]);
    await changed(alice, 'p3', { kind: 'pin', target: first.id, pinned: false });
    const after = await emitRaw(alice, 'room:pins', {});
    expect((after as unknown as { messages: ChatMessage[] }).messages.map((m) => m.id)).toEqual([
      second.id,
    ]);
    expect(await emitRaw(alice, 'room:pins', { room: 'r-none' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
  });
});

/** Every byte under `dir`, as one latin1 string (enough to search for ASCII text). */
function bytesUnder(dir: string): string {
  let all = '';
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    all += statSync(path).isDirectory() ? bytesUnder(path) : readFileSync(path).toString('latin1');
  }
  return all;
}

describe('message changes on disk', () => {
  it('after a restart, catch-up shows the final state; a deleted text and file are gone from the data folder', async () => {
    const dataDir = dataDirectory();
    const first = await startServer({ ...options, dataDir, fileReleaseGraceMs: 0 });
    const key = memoryDeviceKey();
    const alice = await joinRaw(first, 'alice', key);
    const kept = await send(alice, 'm1', 'kept words');
    const secret = await send(alice, 'm2', 'zebra-secret-words');
    await changed(alice, 'e1', { kind: 'edit', target: secret.id, text: 'zebra-edited-words' });
    await changed(alice, 'e2', { kind: 'edit', target: kept.id, text: 'kept and edited' });
    await changed(alice, 'r1', { kind: 'reaction', target: kept.id, emoji: '🎉', add: true });
    const upload = await uploadRaw(alice, Buffer.from('zebra-file-bytes'), 'z.txt');
    expect(upload).toMatchObject({ ok: true });
    const withFile = (upload as unknown as { message: ChatMessage }).message;
    expect(storedFiles(dataDir)).toHaveLength(1);
    const reply = await send(alice, 'q1', 'about that', { replyTo: secret.id });
    expect(reply.reply?.text).toBe('zebra-edited-words');
    await changed(alice, 'd1', { kind: 'delete', target: secret.id });
    await changed(alice, 'd2', { kind: 'delete', target: withFile.id });
    expect(storedFiles(dataDir)).toEqual([]);
    await first.close();

    expect(bytesUnder(dataDir)).not.toContain('zebra');
    const second = await startServer({ ...options, dataDir });
    const again = await joinRaw(second, 'alice', key);
    const page = await emitRaw(again, 'history:fetch', { after: 0 });
    const messages = (page as unknown as unknown as { messages: ChatMessage[] }).messages;
    const byId = new Map(messages.map((message) => [message.id, message]));
    expect(byId.get(kept.id)).toMatchObject({
      text: 'kept and edited',
      reactions: [{ emoji: '🎉', users: [{ nickname: 'alice' }] }],
    });
    expect(byId.get(secret.id)).toMatchObject({ deleted: true, text: '' });
    expect(byId.get(withFile.id)?.file).toBeUndefined();
    expect(byId.get(reply.id)?.reply).toMatchObject({ text: '', deleted: true });
    expect(JSON.stringify(messages)).not.toContain('zebra');
    // The entries are in the log, in order, for clients that catch up.
    expect(messages.filter((m) => m.change).map((m) => m.change!.kind)).toEqual([
      'edit',
      'edit',
      'reaction',
      'delete',
      'delete',
    ]);
  });
});

async function page(socket: RawSocket): Promise<ChatMessage[]> {
  const result = await emitRaw(socket, 'history:fetch', { after: 0 });
  if (!result.ok) throw new Error(result.error.message);
  return result.messages as ChatMessage[];
}

async function enterAs(server: ChatServer, nickname: string, address?: string) {
  const socket = await rawSocket(server, address);
  const joined = await joinWith(socket, { nickname }, memoryDeviceKey());
  if (!joined.ok) throw new Error(joined.error.message);
  return { socket, self: joined.self };
}

describe('mentions by identity', () => {
  it('stores the people a message names, online or away, longest name first, each once', async () => {
    const server = await startServer(options);
    const alice = await enterAs(server, 'alice');
    const bob = await enterAs(server, 'bob');
    const mary = await enterAs(server, 'Mary');
    const maryJane = await enterAs(server, 'Mary Jane');
    mary.socket.disconnect(); // away: still the holder of the name
    const seen = collect(bob.socket, 'message:created');
    const sent = await send(
      alice.socket,
      'm1',
      'hi @BOB and @Mary Jane, @Mary, @bob again; not mail@bob, @bobby, @nobody or `@code`',
    );
    expect(sent.mentions).toEqual([
      { id: bob.self.id, nickname: 'bob' },
      { id: maryJane.self.id, nickname: 'Mary Jane' },
      { id: mary.self.id, nickname: 'Mary' },
    ]);
    await waitFor(() => seen.length === 1, 'bob to get the message');
    expect(seen[0]!.mentions).toEqual(sent.mentions);
    expect((await page(bob.socket)).at(-1)?.mentions).toEqual(sent.mentions);
    const plain = await send(alice.socket, 'm2', 'nobody @here');
    expect(plain).not.toHaveProperty('mentions');
  });

  it('keeps naming the same person after a rename; a new holder of the name is not the old mention', async () => {
    const server = await startServer(options);
    const host = await enterAs(server, 'host', HOST_ADDRESS);
    const alice = await enterAs(server, 'alice');
    const bob = await enterAs(server, 'bob');
    const before = await send(alice.socket, 'm1', 'ping @bob');
    expect(before.mentions).toEqual([{ id: bob.self.id, nickname: 'bob' }]);

    // The host renames bob; the name "bob" is free, and someone else takes it.
    const renamed = await emitRaw(host.socket, 'name:set', {
      userId: bob.self.id,
      nickname: 'robert',
    });
    expect(renamed).toMatchObject({ ok: true });
    const impostor = await enterAs(server, 'bob');
    expect(impostor.self.id).not.toBe(bob.self.id);

    const stored = (await page(impostor.socket)).find((message) => message.id === before.id);
    expect(stored?.mentions).toEqual([{ id: bob.self.id, nickname: 'bob' }]);
    const after = await send(alice.socket, 'm2', 'ping @bob and @robert');
    expect(after.mentions).toEqual([
      { id: impostor.self.id, nickname: 'bob' },
      { id: bob.self.id, nickname: 'robert' },
    ]);
  });

  it('an edit names the people of its new text; a delete leaves no mentions', async () => {
    const server = await startServer(options);
    const alice = await enterAs(server, 'alice');
    const bob = await enterAs(server, 'bob');
    const carol = await enterAs(server, 'carol');
    const original = await send(alice.socket, 'm1', 'for @bob');
    const edit = await emitRaw(alice.socket, 'message:change', {
      clientId: 'e1',
      change: { kind: 'edit', target: original.id, text: 'for @carol instead' },
    });
    expect(edit).toMatchObject({
      ok: true,
      message: { change: { mentions: [{ id: carol.self.id, nickname: 'carol' }] } },
    });
    let held = (await page(bob.socket)).find((message) => message.id === original.id);
    expect(held?.mentions).toEqual([{ id: carol.self.id, nickname: 'carol' }]);

    // A client cannot say whom its edit mentions: the payload is refused, nothing changes.
    const forged = await emitRaw(alice.socket, 'message:change', {
      clientId: 'e2',
      change: {
        kind: 'edit',
        target: original.id,
        text: 'x',
        mentions: [{ id: bob.self.id, nickname: 'bob' }],
      },
    });
    expect(forged).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });

    await emitRaw(alice.socket, 'message:change', {
      clientId: 'd1',
      change: { kind: 'delete', target: original.id },
    });
    held = (await page(bob.socket)).find((message) => message.id === original.id);
    expect(held).toMatchObject({ deleted: true });
    expect(held).not.toHaveProperty('mentions');
    const entries = await page(bob.socket);
    const erased = entries.find((message) => message.clientId === 'e1');
    expect(erased?.change).toEqual({ kind: 'edit', target: original.id, text: '' });
  });

  it(`names at most ${LIMITS.mentionsPerMessage} people; a text full of "@" is cheap and names nobody else`, async () => {
    const server = await startServer(options);
    const alice = await enterAs(server, 'alice');
    const names = Array.from({ length: LIMITS.mentionsPerMessage + 5 }, (_, index) => `p${index}`);
    for (const name of names) await enterAs(server, name);
    const sent = await send(alice.socket, 'm1', names.map((name) => `@${name}`).join(' '));
    expect(sent.mentions?.map((person) => person.nickname)).toEqual(
      names.slice(0, LIMITS.mentionsPerMessage),
    );
    const noise = await send(alice.socket, 'm2', '@'.repeat(LIMITS.messageMaxLength));
    expect(noise).not.toHaveProperty('mentions');
  });
});
