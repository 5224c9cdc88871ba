/**
 * MessageSearch over a real (in-memory) embedded history and a real snapshot file: add, update
 * and remove as the message edit and delete events call them, and what a start reads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../tests/support/chat';
import type { ChatMessage } from '../../shared/protocol';
import { EmbeddedHistory } from '../storage/embedded-history';
import { MessageSearch, type MessageSearchOptions } from './message-search';

const alice = { id: 'p-alice', nickname: 'alice' };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function memoryHistory(): Promise<EmbeddedHistory> {
  const history = await EmbeddedHistory.open({ directory: null, capacity: 1000 });
  cleanups.push(() => history.close());
  return history;
}

function snapshotFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'parley-search-unit-'));
  cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
  return join(folder, 'search-index.json');
}

let clientIds = 0;
async function store(history: EmbeddedHistory, text: string, room = 'lobby') {
  const { message } = await history.append({
    room,
    author: alice,
    clientId: `c-${++clientIds}`,
    text,
  });
  return message;
}

function start(options: Omit<MessageSearchOptions, 'onError'>): MessageSearch {
  const errors: unknown[] = [];
  const search = MessageSearch.start({
    onError: (error) => errors.push(error),
    log: () => {},
    ...options,
  });
  cleanups.push(async () => {
    await search.close();
    expect(errors).toEqual([]);
  });
  return search;
}

async function found(search: MessageSearch, text: string): Promise<string[]> {
  const hits = await search.search({ text, readable: () => true, limit: 50 });
  return hits.messages.map((message) => message.text);
}

describe('MessageSearch', () => {
  it('reports a change the index cannot take and still applies the rest of its batch', async () => {
    const history = await memoryHistory();
    const errors: unknown[] = [];
    const search = MessageSearch.start({
      history,
      file: null,
      onError: (error) => errors.push(error),
      log: () => {},
    });
    cleanups.push(() => search.close());
    const good: ChatMessage = {
      id: 2,
      clientId: 'c-2',
      room: 'lobby',
      author: alice,
      text: 'good agenda',
      sentAt: 1,
    };
    // Not what the log stores (its text is no string): applying it throws.
    search.add({ ...good, id: 1, clientId: 'c-1', text: 42 as unknown as string });
    search.add(good);
    // Applied in a batch a moment later, on a timer: no search asks for it first.
    await waitFor(() => errors.length === 1, 'the bad change reported');
    expect(await found(search, 'agenda')).toEqual(['good agenda']);
  });

  it('add, update and remove change what is found', async () => {
    const history = await memoryHistory();
    const search = start({ history, file: null });
    const message: ChatMessage = {
      id: 7,
      clientId: 'c-7',
      room: 'lobby',
      author: alice,
      text: 'draft agenda',
      sentAt: 1,
    };
    search.add(message);
    expect(await found(search, 'agenda')).toEqual(['draft agenda']);

    search.update({ ...message, text: 'final minutes' });
    expect(await found(search, 'agenda')).toEqual([]);
    expect(await found(search, 'minutes')).toEqual(['final minutes']);

    search.remove(7);
    expect(await found(search, 'minutes')).toEqual([]);
    expect(await search.size()).toBe(0);
    // Removing what is not there changes nothing.
    search.remove(7);
    search.remove(12345);
    expect(await search.size()).toBe(0);
  });

  it('indexes the history it starts with, every room', async () => {
    const history = await EmbeddedHistory.open({
      directory: join(snapshotFile(), '..', 'history'),
      capacity: 1000,
    });
    cleanups.push(() => history.close());
    await store(history, 'first words');
    await store(history, 'words in a room', 'r-room');
    await history.rooms.saveRoom({
      id: 'r-room',
      kind: 'room',
      name: 'Room',
      members: [],
      createdAt: 0,
    });
    const search = start({ history, file: null });
    expect(await found(search, 'words')).toEqual(['words in a room', 'first words']);
  });

  it('starts from its snapshot and reads only the messages after it', async () => {
    const history = await memoryHistory();
    const file = snapshotFile();
    const kept = await store(history, 'alpha kept');
    const removed = await store(history, 'alpha removed');
    const first = start({ history, file, rereadIds: 0 });
    expect(await found(first, 'alpha')).toEqual(['alpha removed', 'alpha kept']);
    // Removed from the index only (as a delete event will do): the snapshot does not have it,
    // while the history still does, so finding it again would mean the history was re-read.
    first.remove(removed.id);
    await first.close();
    await store(history, 'alpha after the snapshot');

    const second = start({ history, file, rereadIds: 0 });
    expect(await found(second, 'alpha')).toEqual(['alpha after the snapshot', kept.text]);
    await second.close();

    // Without the snapshot, everything comes from the history again.
    rmSync(file);
    const rebuilt = start({ history, file, rereadIds: 0 });
    expect(await found(rebuilt, 'alpha')).toEqual([
      'alpha after the snapshot',
      'alpha removed',
      'alpha kept',
    ]);
  });

  it('rebuilds a damaged snapshot from the history and says so', async () => {
    const history = await memoryHistory();
    const file = snapshotFile();
    await store(history, 'bravo');
    for (const damage of [
      'not json',
      '{"format":"something else"}',
      '{"format":"parley-search-index","version":1,"coveredId":3,"index":{"documentCount":"x"}}',
    ]) {
      writeFileSync(file, damage);
      const lines: string[] = [];
      const search = start({ history, file, log: (line) => lines.push(line) });
      expect(await found(search, 'bravo')).toEqual(['bravo']);
      expect(lines).toEqual([
        expect.stringMatching(/cannot be read .*rebuilding it from the history/),
      ]);
      await search.close();
    }
  });

  it('saves after enough changes without waiting for close', async () => {
    const history = await memoryHistory();
    const file = snapshotFile();
    const search = start({ history, file, saveAfterChanges: 2, rereadIds: 0 });
    await search.ready;
    search.add({
      id: 1,
      clientId: 'a',
      room: 'lobby',
      author: alice,
      text: 'charlie one',
      sentAt: 1,
    });
    search.add({
      id: 2,
      clientId: 'b',
      room: 'lobby',
      author: alice,
      text: 'charlie two',
      sentAt: 2,
    });
    await search.size();
    await search.saved();
    // A second instance reads the snapshot (the history has neither message).
    const reader = start({ history, file, rereadIds: 0 });
    expect(await found(reader, 'charlie')).toEqual(['charlie two', 'charlie one']);
  });
});
