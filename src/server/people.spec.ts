/** People: names bound to the first key that claims them, kept in the real LevelDB store. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../../tests/support/chat';
import { identityIdOf, People, WRITE_SPACING_MS } from './people';
import type { IdentityStore } from './storage/history-store';
import { LevelMessageStore } from './storage/level-message-store';

const KEY_A = 'A'.repeat(43);
const KEY_B = 'B'.repeat(43);

async function openStore(directory: string): Promise<LevelMessageStore> {
  const store = await LevelMessageStore.open(directory);
  onCleanup(() => store.close());
  return store;
}

/** `store`, telling `onSave` how many identities each write stores as it starts. */
function watched(store: IdentityStore, onSave: (identities: number) => void): IdentityStore {
  return {
    identities: () => store.identities(),
    saveIdentities: (identities) => {
      onSave(identities.length);
      return store.saveIdentities(identities);
    },
  };
}

describe('People', () => {
  it('binds a name to the first key, refuses it to another, and keeps that after a restart', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'parley-people-')), 'history');
    const store = await openStore(directory);
    const people = await People.open(store);
    const alice = await people.claim(KEY_A, 'alice', 1);
    expect(alice).toMatchObject({ ok: true, created: true, identity: { id: identityIdOf(KEY_A) } });
    // Another key, the name or a look-alike: refused, naming whose it is.
    for (const name of ['alice', 'ALICE', '\u0430lice']) {
      expect(await people.claim(KEY_B, name, 2)).toMatchObject({
        ok: false,
        holder: { nickname: 'alice' },
      });
    }
    expect(await people.claim(KEY_A, 'alice', 3)).toMatchObject({ ok: true, created: false });
    await store.close();

    const again = await People.open(await openStore(directory));
    expect(await again.claim(KEY_B, 'alice', 4)).toMatchObject({ ok: false });
    expect(again.holderOf('Alice')?.id).toBe(identityIdOf(KEY_A));
  });

  it('moves a person to a new name (the old one is free) and frees a released name', async () => {
    const people = await People.open(null);
    await people.claim(KEY_A, 'alice', 1);
    expect(await people.claim(KEY_A, 'alicia', 2)).toMatchObject({
      ok: true,
      identity: { id: identityIdOf(KEY_A), nickname: 'alicia' },
    });
    expect(await people.claim(KEY_B, 'alice', 3)).toMatchObject({ ok: true });
    expect(await people.release('ALICIA')).toBe('alicia');
    expect(await people.release('alicia')).toBeNull();
    expect(people.get(identityIdOf(KEY_A))).toMatchObject({ nickname: null });
    expect(await people.claim(KEY_B, 'alicia', 4)).toMatchObject({ ok: true });
  });

  it('stores a storm of newcomers in one write, not one each', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'parley-people-')), 'history');
    const store = await openStore(directory);
    const writes: number[] = [];
    const people = await People.open(watched(store, (identities) => writes.push(identities)));
    const keys = Array.from({ length: 200 }, (_, n) => n.toString().padStart(43, 'k'));
    const claims = await Promise.all(keys.map((key, n) => people.claim(key, `user${n}`, n)));
    expect(claims.every((claim) => claim.ok)).toBe(true);
    // Claimed in one turn: one write for all (the first claim does not go alone).
    expect(writes).toEqual([200]);
    expect((await store.identities()).length).toBe(200);
  });

  it('spaces the writes of a burst of newcomers: each starts well after the one before', async () => {
    const directory = join(mkdtempSync(join(tmpdir(), 'parley-people-')), 'history');
    const store = await openStore(directory);
    const starts: number[] = [];
    const people = await People.open(watched(store, () => starts.push(performance.now())));
    // One newcomer per turn of the event loop, as a storm brings them.
    const claims: Array<Promise<unknown>> = [];
    for (let n = 0; n < 30; n++) {
      claims.push(people.claim(n.toString().padStart(43, 's'), `storm${n}`, n));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(claims);
    expect((await store.identities()).length).toBe(30);
    expect(starts.length).toBeGreaterThan(1);
    // Without the spacing the next write starts as soon as the sync before it ends (a few ms).
    for (let n = 1; n < starts.length; n++) {
      expect(starts[n]! - starts[n - 1]!).toBeGreaterThanOrEqual(WRITE_SPACING_MS - 1);
    }
  });

  it('undoes a claim that cannot be stored: the name stays free', async () => {
    const diskFull = Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
    // A store that fails as a full disk does (the real one is tried on a full disk elsewhere).
    const failing: IdentityStore = {
      identities: async () => [],
      saveIdentities: () => Promise.reject(diskFull),
    };
    const people = await People.open(failing);
    await expect(people.claim(KEY_A, 'alice', 1)).rejects.toBe(diskFull);
    expect(people.holderOf('alice')).toBeUndefined();
    expect(people.byKey(KEY_A)).toBeUndefined();
    expect(people.get(identityIdOf(KEY_A))).toBeUndefined();
  });
});
