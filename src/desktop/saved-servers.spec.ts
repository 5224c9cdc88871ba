import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SavedServers } from './saved-servers';

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'parley-saved-')), 'servers.json');
}

/** A clock the test moves by hand. */
function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SavedServers', () => {
  it('remembers every server joined, newest first, and survives a restart', async () => {
    const file = tempFile();
    const time = clock();
    const store = await SavedServers.open(file, { clock: time.now });
    expect(store.list()).toEqual([]);

    await store.record({ url: '192.168.1.5:4321', serverName: 'Lab', nickname: 'alice' });
    time.advance(10);
    await store.record({ url: 'http://10.0.0.2:4000', serverName: 'Home', nickname: 'al' });
    time.advance(10);
    // Joining again moves it to the top and keeps the latest nickname.
    const again = await store.record({
      url: 'http://192.168.1.5:4321/',
      serverName: 'Lab',
      nickname: 'alice2',
    });
    expect(again.ok).toBe(true);

    const expected = [
      {
        url: 'http://192.168.1.5:4321',
        name: 'Lab',
        serverName: 'Lab',
        renamed: false,
        nickname: 'alice2',
        lastJoinedAt: 1_020,
      },
      {
        url: 'http://10.0.0.2:4000',
        name: 'Home',
        serverName: 'Home',
        renamed: false,
        nickname: 'al',
        lastJoinedAt: 1_010,
      },
    ];
    expect(store.list()).toEqual(expected);

    const reopened = await SavedServers.open(file);
    expect(reopened.list()).toEqual(expected);
    // Only the file itself is left behind: no temporary files.
    expect(readdirSync(join(file, '..'))).toEqual(['servers.json']);
  });

  it('renames (kept across later joins), restores the name with an empty one, and forgets', async () => {
    const file = tempFile();
    const store = await SavedServers.open(file);
    const changes: string[][] = [];
    store.onChanged((servers) => changes.push(servers.map((server) => server.name)));
    await store.record({ url: 'http://10.0.0.2:4321', serverName: 'vm-42', nickname: 'bob' });

    const renamed = await store.rename('10.0.0.2:4321', '  Team room  ');
    expect(renamed).toMatchObject({ ok: true, servers: [{ name: 'Team room', renamed: true }] });
    await store.record({ url: 'http://10.0.0.2:4321', serverName: 'vm-43', nickname: 'bob' });
    expect(store.list()[0]).toMatchObject({ name: 'Team room', serverName: 'vm-43' });
    expect((await SavedServers.open(file)).list()[0]).toMatchObject({ name: 'Team room' });

    await store.rename('http://10.0.0.2:4321', '');
    expect(store.list()[0]).toMatchObject({ name: 'vm-43', renamed: false });

    expect(await store.forget('http://10.0.0.2:4321')).toEqual({ ok: true, servers: [] });
    expect((await SavedServers.open(file)).list()).toEqual([]);
    expect(changes).toEqual([['vm-42'], ['Team room'], ['Team room'], ['vm-43'], []]);
  });

  it('says so when asked about a server it does not know, or an invalid address', async () => {
    const store = await SavedServers.open(tempFile());
    expect(await store.rename('http://10.9.9.9:1', 'x')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: /not among the saved servers/ },
    });
    expect(await store.forget('not an address')).toMatchObject({ ok: false });
    expect(await store.record({ url: 'ftp://x', serverName: 'x', nickname: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_url' },
    });
  });

  it('keeps every change when many arrive at once, and only the newest entries', async () => {
    const file = tempFile();
    const time = clock();
    const store = await SavedServers.open(file, { clock: () => time.advance(1), maxEntries: 5 });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.record({ url: `http://10.0.0.${i + 1}:4321`, serverName: `S${i}`, nickname: 'n' }),
      ),
    );
    const names = ['S7', 'S6', 'S5', 'S4', 'S3'];
    expect(store.list().map((server) => server.name)).toEqual(names);
    expect((await SavedServers.open(file)).list().map((server) => server.name)).toEqual(names);
  });

  it('starts empty, without throwing, from a file it cannot read, and sets that file aside', async () => {
    const file = tempFile();
    writeFileSync(file, '{"version": 1, "servers": [{"url": 42}]}');
    const errors: unknown[] = [];
    const store = await SavedServers.open(file, { onError: (error) => errors.push(error) });
    expect(store.list()).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toContain('"url": 42');
    await store.record({ url: 'http://10.0.0.2:4321', serverName: 'S', nickname: 'n' });
    expect((await SavedServers.open(file)).list()).toHaveLength(1);
  });

  it('reports a write that fails, and keeps the list as it was', async () => {
    // The folder it should live in is a file: nothing can be written there.
    const folder = join(tempFile(), '..', 'not-a-folder');
    writeFileSync(folder, '');
    const store = await SavedServers.open(join(folder, 'servers.json'), {
      onError: () => undefined,
    });
    const result = await store.record({ url: 'http://10.0.0.3:1', serverName: 'x', nickname: 'n' });
    expect(result).toMatchObject({ ok: false, error: { code: 'data_unavailable' } });
    expect(store.list()).toEqual([]);
  });
});
