/**
 * The people of a server: each identity with its device keys and the nickname bound to it. A
 * nickname belongs to the first key that claims it (trust on first use, kept in the data folder):
 * while that person is away nobody else can take it, and names that look alike (nameSkeleton) are
 * the same name. A person who joins with another name moves to it (the old one is free again); the
 * host, an admin or the operator can release a name, an admin can rename someone, a person's role
 * (admin, moderator) is kept with them, and a person may link more devices (addKey: their keys).
 * A change counts at once and is stored before the join that made it is answered (batched: a
 * storm of newcomers is a few durable writes, not one each).
 */
import { createHash } from 'node:crypto';
import { nameSkeleton } from '../shared/name-skeleton';
import type { Role } from '../shared/protocol';
import type { IdentityStore, StoredIdentity } from './storage/history-store';

/** The identity id a first key makes: stable, short, URL-safe. */
export function identityIdOf(publicKey: string): string {
  return `p-${createHash('sha256').update(publicKey).digest('base64url').slice(0, 22)}`;
}

/**
 * Identity writes start at most this often, ms. Each write is a sync to disk, and on a busy
 * server the disk's worker thread competes with the joins for the CPU: a 5,000-client join storm
 * made about 2,000 writes of two or three newcomers each. A burst's joins wait for it at most this
 * long; a join in a quiet moment is written at once.
 */
export const WRITE_SPACING_MS = 25;

export type Claim =
  | { ok: true; identity: StoredIdentity; created: boolean }
  /** The name is bound to someone else. */
  | { ok: false; holder: StoredIdentity };

export class People {
  readonly #store: IdentityStore | null;
  readonly #byId = new Map<string, StoredIdentity>();
  readonly #byKey = new Map<string, StoredIdentity>();
  readonly #byName = new Map<string, StoredIdentity>();
  /** Changes waiting for the write in progress: the next write stores them all at once. */
  #pending: Array<{ identity: StoredIdentity; settle: (error?: unknown) => void }> = [];
  #writing = false;
  /** When the last write started (performance.now()). */
  #lastWriteAt = -Infinity;
  /** Told of every change stored here (a cluster tells the other nodes). */
  #onStored: ((identity: StoredIdentity) => void) | null = null;

  private constructor(store: IdentityStore | null) {
    this.#store = store;
  }

  static async open(store: IdentityStore | null): Promise<People> {
    const people = new People(store);
    for (const identity of (await store?.identities()) ?? []) people.#index(identity);
    return people;
  }

  get(id: string): StoredIdentity | undefined {
    return this.#byId.get(id);
  }

  onStored(listener: (identity: StoredIdentity) => void): void {
    this.#onStored = listener;
  }

  /** A change another node stored: it counts here too. */
  learn(identity: StoredIdentity): void {
    const known = this.#byId.get(identity.id);
    if (known) this.#unindex(known);
    this.#index(identity);
  }

  byKey(publicKey: string): StoredIdentity | undefined {
    return this.#byKey.get(publicKey);
  }

  /** The person this nickname (or a look-alike) is bound to. */
  holderOf(nickname: string): StoredIdentity | undefined {
    return this.#byName.get(nameSkeleton(nickname));
  }

  /**
   * The person with this key claims `nickname`: a new person is made for a new key; the name is
   * bound to them unless it is someone else's. Their previous name, if another, is freed. The
   * claim counts at once (two claims of one name cannot both win) and is undone if it cannot be
   * stored.
   */
  async claim(publicKey: string, nickname: string, now: number): Promise<Claim> {
    const known = this.#byKey.get(publicKey);
    const holder = this.holderOf(nickname);
    if (holder && holder !== known) return { ok: false, holder };
    if (known && known.nickname === nickname) return { ok: true, identity: known, created: false };
    const identity: StoredIdentity = known
      ? { ...known, nickname }
      : { id: identityIdOf(publicKey), nickname, keys: [publicKey], createdAt: now };
    await this.#change(identity, known);
    return { ok: true, identity, created: !known };
  }

  /**
   * Gives the person `id` a role (`null`: none), stored. Resolves with the changed identity, or
   * undefined for an unknown id.
   */
  async setRole(id: string, role: Role | null): Promise<StoredIdentity | undefined> {
    const known = this.#byId.get(id);
    if (!known) return undefined;
    if ((known.role ?? null) === role) return known;
    const { role: _dropped, ...rest } = known;
    const identity: StoredIdentity = role === null ? rest : { ...rest, role };
    await this.#change(identity, known);
    return identity;
  }

  /**
   * Binds `nickname` to the person `id` (an admin renames them): their old name is free again.
   * Like a claim, refused when the name (or a look-alike) is someone else's.
   */
  async rename(id: string, nickname: string): Promise<Claim | undefined> {
    const known = this.#byId.get(id);
    if (!known) return undefined;
    const holder = this.holderOf(nickname);
    if (holder && holder !== known) return { ok: false, holder };
    if (known.nickname === nickname) return { ok: true, identity: known, created: false };
    const identity: StoredIdentity = { ...known, nickname };
    await this.#change(identity, known);
    return { ok: true, identity, created: false };
  }

  /**
   * Adds a device key to a person (a linked device): from then on it joins as them. Stored
   * before it resolves; undone if it cannot be. The caller checked that no one else holds the key.
   */
  async addKey(identity: StoredIdentity, publicKey: string): Promise<StoredIdentity> {
    if (identity.keys.includes(publicKey)) return identity;
    const linked: StoredIdentity = { ...identity, keys: [...identity.keys, publicKey] };
    await this.#change(linked, identity);
    return linked;
  }

  /**
   * Frees `nickname` (and its look-alikes): its person keeps their conversations, not the name
   * (someone who lost their key, or left for good). Resolves with the name as it was bound, or
   * null when nobody held it.
   */
  async release(nickname: string): Promise<string | null> {
    const holder = this.holderOf(nickname);
    if (!holder) return null;
    await this.#change({ ...holder, nickname: null }, holder);
    return holder.nickname;
  }

  /** Makes `identity` count now (replacing `before`), stores it, and undoes it if that fails. */
  async #change(identity: StoredIdentity, before: StoredIdentity | undefined): Promise<void> {
    if (before) this.#unindex(before);
    this.#index(identity);
    try {
      await this.#save(identity);
      this.#onStored?.(identity);
    } catch (error) {
      // Undone unless a later change of this person came meanwhile (it is stored with its own).
      if (this.#byId.get(identity.id) === identity) {
        this.#unindex(identity);
        if (before) this.#index(before);
        else this.#byId.delete(identity.id);
      }
      throw error;
    }
  }

  /**
   * Stores one identity. The write starts at the end of this turn of the event loop, so the
   * claims of one turn (a join storm reads many joins in one) share it; those that come while a
   * write waits or is in progress share the next one (see WRITE_SPACING_MS).
   */
  #save(identity: StoredIdentity): Promise<void> {
    const store = this.#store;
    if (!store) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({
        identity,
        settle: (error?: unknown) => (error === undefined ? resolve() : reject(error)),
      });
      if (this.#writing) return;
      this.#writing = true;
      setImmediate(() => void this.#writeAll(store));
    });
  }

  async #writeAll(store: IdentityStore): Promise<void> {
    while (this.#pending.length > 0) {
      // In a burst, writes start at most every WRITE_SPACING_MS: each carries everyone since.
      const wait = this.#lastWriteAt + WRITE_SPACING_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.#lastWriteAt = performance.now();
      const batch = this.#pending;
      this.#pending = [];
      try {
        await store.saveIdentities(batch.map(({ identity }) => identity));
        for (const { settle } of batch) settle();
      } catch (error) {
        for (const { settle } of batch) settle(error ?? new Error('Could not store identities.'));
      }
    }
    this.#writing = false;
  }

  #index(identity: StoredIdentity): void {
    this.#byId.set(identity.id, identity);
    for (const key of identity.keys) this.#byKey.set(key, identity);
    if (identity.nickname !== null) this.#byName.set(nameSkeleton(identity.nickname), identity);
  }

  #unindex(identity: StoredIdentity): void {
    for (const key of identity.keys) {
      if (this.#byKey.get(key) === identity) this.#byKey.delete(key);
    }
    if (identity.nickname === null) return;
    const skeleton = nameSkeleton(identity.nickname);
    if (this.#byName.get(skeleton) === identity) this.#byName.delete(skeleton);
  }
}
