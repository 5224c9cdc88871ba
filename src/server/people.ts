/**
 * The people of a server: each identity with its device keys and the nickname bound to it. A
 * nickname belongs to the first key that claims it (trust on first use, kept in the data folder):
 * while that person is away nobody else can take it, and names that look alike (nameSkeleton) are
 * the same name. A person who joins with another name moves to it (the old one is free again); the
 * host or an admin can release a name. Every change is stored before it counts.
 */
import { createHash } from 'node:crypto';
import { nameSkeleton } from '../shared/name-skeleton';
import type { IdentityStore, StoredIdentity } from './storage/history-store';

/** The identity id a first key makes: stable, short, URL-safe. */
export function identityIdOf(publicKey: string): string {
  return `p-${createHash('sha256').update(publicKey).digest('base64url').slice(0, 22)}`;
}

export type Claim =
  | { ok: true; identity: StoredIdentity; created: boolean }
  /** The name is bound to someone else. */
  | { ok: false; holder: StoredIdentity };

export class People {
  readonly #store: IdentityStore | null;
  readonly #byId = new Map<string, StoredIdentity>();
  readonly #byKey = new Map<string, StoredIdentity>();
  readonly #byName = new Map<string, StoredIdentity>();
  /** One change at a time: two claims of one name cannot both win while the first is stored. */
  #queue: Promise<unknown> = Promise.resolve();

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

  byKey(publicKey: string): StoredIdentity | undefined {
    return this.#byKey.get(publicKey);
  }

  /** The person this nickname (or a look-alike) is bound to. */
  holderOf(nickname: string): StoredIdentity | undefined {
    return this.#byName.get(nameSkeleton(nickname));
  }

  /**
   * The person with this key claims `nickname`: a new person is made for a new key; the name is
   * bound to them unless it is someone else's. Their previous name, if another, is freed.
   */
  claim(publicKey: string, nickname: string, now: number): Promise<Claim> {
    return this.#serially(async () => {
      const known = this.#byKey.get(publicKey);
      const holder = this.holderOf(nickname);
      if (holder && holder !== known) return { ok: false, holder };
      if (known && known.nickname === nickname)
        return { ok: true, identity: known, created: false };
      const identity: StoredIdentity = known
        ? { ...known, nickname }
        : { id: identityIdOf(publicKey), nickname, keys: [publicKey], createdAt: now };
      await this.#save(identity, known);
      return { ok: true, identity, created: !known };
    });
  }

  /** Frees `nickname` (and its look-alikes): its person keeps their conversations, not the name. */
  release(nickname: string): Promise<StoredIdentity | null> {
    return this.#serially(async () => {
      const holder = this.holderOf(nickname);
      if (!holder) return null;
      const released = { ...holder, nickname: null };
      await this.#save(released, holder);
      return released;
    });
  }

  async #save(identity: StoredIdentity, before: StoredIdentity | undefined): Promise<void> {
    await this.#store?.saveIdentity(identity);
    if (before) this.#unindex(before);
    this.#index(identity);
  }

  #index(identity: StoredIdentity): void {
    this.#byId.set(identity.id, identity);
    for (const key of identity.keys) this.#byKey.set(key, identity);
    if (identity.nickname !== null) this.#byName.set(nameSkeleton(identity.nickname), identity);
  }

  #unindex(identity: StoredIdentity): void {
    for (const key of identity.keys) this.#byKey.delete(key);
    if (identity.nickname === null) return;
    const skeleton = nameSkeleton(identity.nickname);
    if (this.#byName.get(skeleton)?.id === identity.id) this.#byName.delete(skeleton);
  }

  #serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(change);
    this.#queue = next.catch(() => {});
    return next;
  }
}
