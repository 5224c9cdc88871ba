/** `search:query` against a real server: what it finds, what it never shows, and its refusals. */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  emitRaw,
  joinRaw,
  onCleanup,
  startServer,
  type RawSocket,
} from '../../../tests/support/chat';
import { memoryDeviceKey } from '../../../tests/support/join-with';
import { createChatServer, type ChatServer } from '../chat-server';
import type { ChatMessage, JoinedRoom, RoomInfo, SearchPage } from '../../shared/protocol';
import type { Result } from '../../shared/result';

async function send(socket: RawSocket, text: string, room?: string): Promise<ChatMessage> {
  const reply = await emitRaw(socket, 'message:send', {
    clientId: `c-${Math.random().toString(36).slice(2)}`,
    text,
    ...(room === undefined ? {} : { room }),
  });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.message as ChatMessage;
}

async function search(socket: RawSocket, payload: Record<string, unknown>): Promise<SearchPage> {
  const reply = (await emitRaw(socket, 'search:query', payload)) as Result<SearchPage>;
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply;
}

async function texts(socket: RawSocket, payload: Record<string, unknown>): Promise<string[]> {
  return (await search(socket, payload)).results.map((result) => result.message.text);
}

async function createRoom(socket: RawSocket, name: string): Promise<RoomInfo> {
  const made = await emitRaw(socket, 'room:create', { name });
  if (!made.ok) throw new Error(made.error.message);
  const room = made.room as RoomInfo;
  await emitRaw(socket, 'room:join', { room: room.id });
  return room;
}

function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'parley-search-'));
  onCleanup(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

describe('search:query', () => {
  it('finds messages by word and by the start of a word, newest first, with the matches marked', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    await send(alice, 'The deployment is on Friday');
    await send(alice, 'Lunch at noon?');
    await send(alice, 'Deploying the fix now, deploy log attached');

    expect(await texts(alice, { text: 'friday' })).toEqual(['The deployment is on Friday']);
    expect(await texts(alice, { text: 'deplo' })).toEqual([
      'Deploying the fix now, deploy log attached',
      'The deployment is on Friday',
    ]);
    // Every word must match.
    expect(await texts(alice, { text: 'deploy friday' })).toEqual(['The deployment is on Friday']);
    expect(await texts(alice, { text: 'nothing-like-this' })).toEqual([]);

    const [first] = (await search(alice, { text: 'deploy' })).results;
    const marked = first!.snippet.matches.map(({ start, end }) =>
      first!.snippet.text.slice(start, end),
    );
    expect(marked).toEqual(['Deploying', 'deploy']);
    expect(first!.room).toMatchObject({ id: 'lobby', kind: 'room', name: 'Lobby' });
  });

  it('folds accents and case both ways: café finds cafe and the other way round', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    await send(alice, 'Meet at the Café');
    await send(alice, 'cafe closed today');
    // NFD spelling (e + combining acute) is the same word.
    await send(alice, 'Another cafe\u0301 downtown');

    const both = ['Another cafe\u0301 downtown', 'cafe closed today', 'Meet at the Café'];
    expect(await texts(alice, { text: 'cafe' })).toEqual(both);
    expect(await texts(alice, { text: 'CAFÉ' })).toEqual(both);
    const [nfd] = (await search(alice, { text: 'café' })).results;
    const { start, end } = nfd!.snippet.matches[0]!;
    expect(nfd!.snippet.text.slice(start, end)).toBe('cafe\u0301');
  });

  it('filters by author (nickname, ignoring case, or identity id) and by room', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'Bob');
    const design = await createRoom(alice, 'Design');
    await emitRaw(bob, 'room:join', { room: design.id });
    await send(alice, 'release notes by alice');
    const fromBob = await send(bob, 'release notes by bob');
    await send(bob, 'release notes in design', design.id);

    expect(await texts(alice, { text: 'release', author: 'BOB' })).toEqual([
      'release notes in design',
      'release notes by bob',
    ]);
    expect(await texts(alice, { text: 'release', author: fromBob.author.id })).toEqual([
      'release notes in design',
      'release notes by bob',
    ]);
    expect(await texts(alice, { text: 'release', room: design.id })).toEqual([
      'release notes in design',
    ]);
    expect(await texts(alice, { text: 'release', room: 'lobby', author: 'alice' })).toEqual([
      'release notes by alice',
    ]);
    const [inDesign] = (await search(alice, { text: 'release', room: design.id })).results;
    expect(inDesign!.room).toMatchObject({ id: design.id, name: 'Design' });
  });

  it('pages back with before and a limit', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    for (let n = 1; n <= 5; n++) await send(alice, `standup ${n}`);

    const first = await search(alice, { text: 'standup', limit: 2 });
    expect(first.results.map((result) => result.message.text)).toEqual(['standup 5', 'standup 4']);
    expect(first.hasMore).toBe(true);
    const last = first.results.at(-1)!.message.id;
    const next = await search(alice, { text: 'standup', limit: 10, before: last });
    expect(next.results.map((result) => result.message.text)).toEqual([
      'standup 3',
      'standup 2',
      'standup 1',
    ]);
    expect(next.hasMore).toBe(false);
  });

  it('never shows a direct conversation to someone who is not in it', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const bob = await joinRaw(server, 'bob');
    const carol = await joinRaw(server, 'carol');
    const opened = await emitRaw(alice, 'dm:open', { nickname: 'bob' });
    if (!opened.ok) throw new Error(opened.error.message);
    const direct = (opened as unknown as JoinedRoom).room;
    await send(alice, 'the secret word is xylophonic', direct.id);

    expect(await texts(carol, { text: 'xylophonic' })).toEqual([]);
    expect(await texts(carol, { text: 'xylo', author: 'alice' })).toEqual([]);
    expect(await emitRaw(carol, 'search:query', { text: 'xylophonic', room: direct.id })).toEqual({
      ok: false,
      error: { code: 'unknown_room', message: expect.any(String) },
    });
    // Its two people find it, named after the other one.
    const [forBob] = (await search(bob, { text: 'xylophonic' })).results;
    expect(forBob!.room).toMatchObject({ id: direct.id, kind: 'direct', name: 'alice' });
    const [forAlice] = (await search(alice, { text: 'xylophonic', room: direct.id })).results;
    expect(forAlice!.room).toMatchObject({ kind: 'direct', name: 'bob' });
  });

  it('forgets the messages of a deleted room', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const design = await createRoom(alice, 'Design');
    await send(alice, 'mockups for the landing page', design.id);
    expect(await texts(alice, { text: 'mockups' })).toHaveLength(1);
    expect((await emitRaw(alice, 'room:delete', { room: design.id })).ok).toBe(true);
    expect(await texts(alice, { text: 'mockups' })).toEqual([]);
  });

  it('refuses bad searches with a code and words, and goes on answering', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    await send(alice, 'still here');
    for (const payload of [
      {},
      { text: '' },
      { text: '  ?! ' },
      { text: 'x'.repeat(201) },
      { text: 'ok', author: '   ' },
      { text: 'ok', limit: 0 },
      { text: 'ok', limit: 51 },
      { text: 'ok', before: -1 },
      { text: 'ok', extra: true },
      { text: 'ok\uD800' },
    ]) {
      const reply = await emitRaw(alice, 'search:query', payload);
      expect(reply, JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload', message: expect.any(String) },
      });
    }
    expect(await emitRaw(alice, 'search:query', { text: 'here', room: 'r-none' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_room' },
    });
    expect(await texts(alice, { text: 'here' })).toEqual(['still here']);
  });

  it('is rate limited per connection', async () => {
    const server = await startServer({
      rateLimits: { search: { points: 2, durationSeconds: 60 } },
    });
    const alice = await joinRaw(server, 'alice');
    expect((await emitRaw(alice, 'search:query', { text: 'a' })).ok).toBe(true);
    expect((await emitRaw(alice, 'search:query', { text: 'a' })).ok).toBe(true);
    expect(await emitRaw(alice, 'search:query', { text: 'a' })).toMatchObject({
      ok: false,
      error: { code: 'rate_limited' },
    });
  });
});

describe('the search index in the data folder', () => {
  async function serve(dataDir: string): Promise<ChatServer> {
    const server = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir });
    onCleanup(() => server.close());
    return server;
  }

  it('finds the same after a restart, after its snapshot is deleted, and rebuilds a damaged one', async () => {
    const dataDir = temporaryFolder();
    const key = memoryDeviceKey();
    const first = await serve(dataDir);
    const alice = await joinRaw(first, 'alice', key);
    await send(alice, 'quarterly numbers are in');
    await send(alice, 'the café on the corner');
    await first.close();
    const snapshot = join(dataDir, 'search-index.json');
    expect(existsSync(snapshot)).toBe(true);

    const expectFound = async (server: ChatServer) => {
      const again = await joinRaw(server, 'alice', key);
      expect(await texts(again, { text: 'quarter' })).toEqual(['quarterly numbers are in']);
      expect(await texts(again, { text: 'cafe' })).toEqual(['the café on the corner']);
    };
    const restarted = await serve(dataDir);
    await expectFound(restarted);
    await restarted.close();

    rmSync(snapshot);
    const rebuilt = await serve(dataDir);
    await expectFound(rebuilt);
    await rebuilt.close();
    expect(existsSync(snapshot)).toBe(true);

    writeFileSync(snapshot, '{"format":"parley-search-index","version":1,"coveredId":');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onCleanup(() => warn.mockRestore());
    const repaired = await serve(dataDir);
    await expectFound(repaired);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/search index .* rebuilding/));
  });
});

describe('search and message changes', () => {
  const change = async (socket: RawSocket, what: Record<string, unknown>) => {
    const reply = await emitRaw(socket, 'message:change', {
      clientId: `x-${Math.random().toString(36).slice(2)}`,
      change: what,
    });
    if (!reply.ok) throw new Error(reply.error.message);
  };

  it('finds an edited message by its new words only, and a deleted one no more', async () => {
    const server = await startServer();
    const alice = await joinRaw(server, 'alice');
    const walrus = await send(alice, 'the walrus plan');
    await change(alice, { kind: 'edit', target: walrus.id, text: 'the narwhal plan' });
    expect(await texts(alice, { text: 'walrus' })).toEqual([]);
    expect(await texts(alice, { text: 'narwhal' })).toEqual(['the narwhal plan']);
    await change(alice, { kind: 'delete', target: walrus.id });
    expect(await texts(alice, { text: 'narwhal' })).toEqual([]);
    expect(await texts(alice, { text: 'plan' })).toEqual([]);
  });

  it('applies edits and deletes stored after its snapshot when it starts', async () => {
    const dataDir = temporaryFolder();
    const key = memoryDeviceKey();
    const serve = async (enabled: boolean) => {
      const server = await createChatServer({
        host: '127.0.0.1',
        port: 0,
        webRoot: null,
        dataDir,
        search: { enabled },
      });
      onCleanup(() => server.close());
      return server;
    };
    const first = await serve(true);
    let alice = await joinRaw(first, 'alice', key);
    const edited = await send(alice, 'old seagull words');
    const deleted = await send(alice, 'doomed pelican words');
    await first.close();
    // Changed while nothing kept the snapshot up to date.
    const unindexed = await serve(false);
    alice = await joinRaw(unindexed, 'alice', key);
    await change(alice, { kind: 'edit', target: edited.id, text: 'new albatross words' });
    await change(alice, { kind: 'delete', target: deleted.id });
    await unindexed.close();

    const restarted = await serve(true);
    alice = await joinRaw(restarted, 'alice', key);
    expect(await texts(alice, { text: 'seagull' })).toEqual([]);
    expect(await texts(alice, { text: 'pelican' })).toEqual([]);
    expect(await texts(alice, { text: 'albatross' })).toEqual(['new albatross words']);
    expect(await texts(alice, { text: 'words' })).toEqual(['new albatross words']);
  });
});

describe('a server without a search index', () => {
  it('finds nothing and still acknowledges messages (the benchmark baseline)', async () => {
    const server = await startServer({ search: { enabled: false } });
    const alice = await joinRaw(server, 'alice');
    await send(alice, 'unindexed words');
    expect(await texts(alice, { text: 'unindexed' })).toEqual([]);
  });
});
