/**
 * The server's rooms: the lobby (always there), rooms people create (names unique by their
 * skeleton: look-alikes and other cases are the same name; at most `maxRooms`, kept in the store
 * so they survive restarts, deleted by their creator or the host) and direct conversations between
 * two people (identities: ids derived from the pair, so both people, every device and every
 * reconnect find the same one; a new holder of a nickname finds none of them).
 * Ids are short and URL-safe: they are part of storage keys and never contain a separator; a
 * deleted room's id is never made again (random ids).
 */
import { createHash } from 'node:crypto';
import { nanoid } from 'nanoid';
import { LOBBY } from '../shared/limits';
import { nameSkeleton } from '../shared/name-skeleton';
import { nicknameKey } from '../shared/schemas';
import type { User } from '../shared/protocol';
import type { RoomStore, StoredRoom } from './storage/history-store';

export const LOBBY_NAME = 'Lobby';

export interface RoomObserver {
  saved(room: StoredRoom): void;
  deleted(id: string): void;
}

export class RoomDirectory {
  readonly #byId = new Map<string, StoredRoom>();
  /** Named rooms by the skeleton of their name. */
  readonly #byName = new Map<string, StoredRoom>();
  /** Each person's direct conversations (by identity id). */
  readonly #directsOf = new Map<string, StoredRoom[]>();
  readonly #store: RoomStore | null;
  /**
   * Named rooms in name order (the lobby first), with their names ignoring case (nicknameKey);
   * rebuilt when one is made or deleted.
   */
  #sorted: Array<{ room: StoredRoom; key: string }> | null = null;
  /** Named rooms but the lobby, newest first; rebuilt like #sorted. */
  #newest: StoredRoom[] | null = null;
  #named = 0;
  /** Told of every room stored or deleted here (a cluster tells the other nodes). */
  #observer: RoomObserver | null = null;

  private constructor(store: RoomStore | null) {
    this.#store = store;
    this.#add({ id: LOBBY, kind: 'room', name: LOBBY_NAME, members: [], createdAt: 0 });
  }

  static async open(store: RoomStore | null): Promise<RoomDirectory> {
    const directory = new RoomDirectory(store);
    for (const room of (await store?.rooms()) ?? []) directory.#add(room);
    return directory;
  }

  get(id: string): StoredRoom | undefined {
    return this.#byId.get(id);
  }

  observe(observer: RoomObserver): void {
    this.#observer = observer;
  }

  /** A room another node stored: it counts here too (it is stored already). */
  learn(room: StoredRoom): void {
    if (!this.#byId.has(room.id)) this.#add(room);
  }

  /** A room another node deleted. */
  forget(id: string): void {
    const room = this.#byId.get(id);
    if (room) this.#remove(room);
  }

  /** True when a named room has this name (or one that looks like it, see nameSkeleton). */
  nameTaken(name: string): boolean {
    return this.#byName.has(nameSkeleton(name));
  }

  /** How many named rooms there are (the lobby included). */
  get count(): number {
    return this.#named;
  }

  /** Named rooms (the lobby first, then by name); direct conversations are not listed. */
  rooms(): readonly StoredRoom[] {
    return this.#sortedWithKeys().map(({ room }) => room);
  }

  #sortedWithKeys(): ReadonlyArray<{ room: StoredRoom; key: string }> {
    // Keys made once per room, not once per comparison or search: thousands of rooms sort in
    // milliseconds.
    const lobby = this.#byId.get(LOBBY)!;
    this.#sorted ??= [
      { room: lobby, key: nicknameKey(lobby.name) },
      ...[...this.#byId.values()]
        .filter((room) => room.kind === 'room' && room.id !== LOBBY)
        .map((room) => ({ room, key: nicknameKey(room.name) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    ];
    return this.#sorted;
  }

  /**
   * Creates a room made by `creator`; null when one with this name (or a look-alike) exists.
   * Stored before it counts. The caller checks the room limit first (see count).
   */
  async create(name: string, now: number, creator: User): Promise<StoredRoom | null> {
    if (this.nameTaken(name)) return null;
    const room: StoredRoom = {
      id: `r-${nanoid(12)}`,
      kind: 'room',
      name,
      members: [],
      createdAt: now,
      createdBy: creator.nickname,
      creator: creator.id,
    };
    // Claimed at once, so that two creations of one name in the same moment cannot both win.
    this.#add(room);
    try {
      await this.#store?.saveRoom(room);
    } catch (error) {
      this.#remove(room);
      throw error;
    }
    this.#observer?.saved(room);
    return room;
  }

  /**
   * Deletes a named room with its messages. It is gone from the directory at once (nobody can
   * post in it or join it while the store deletes it); the name is free once the store is done.
   */
  async delete(room: StoredRoom): Promise<void> {
    this.#byId.delete(room.id);
    this.#invalidate();
    try {
      await this.#store?.deleteRoom(room.id);
    } catch (error) {
      // Not deleted: it stays, as it was.
      this.#byId.set(room.id, room);
      this.#invalidate();
      throw error;
    }
    this.#remove(room);
    this.#observer?.deleted(room.id);
  }

  /**
   * The rooms a join lists first, at most `limit`: the lobby, the rooms people are in (most people
   * first), then the newest. `occupied`: room ids with how many people are in each (any ids: those
   * that are not named rooms are skipped).
   */
  firstPage(limit: number, occupied: Iterable<[string, number]>): StoredRoom[] {
    const busy: Array<{ room: StoredRoom; people: number }> = [];
    for (const [id, people] of occupied) {
      const room = this.#byId.get(id);
      if (room?.kind === 'room' && id !== LOBBY && people > 0) busy.push({ room, people });
    }
    busy.sort((a, b) => b.people - a.people || b.room.createdAt - a.room.createdAt);
    const page = [this.#byId.get(LOBBY)!, ...busy.slice(0, limit - 1).map(({ room }) => room)];
    if (page.length >= limit) return page;
    const listed = new Set(page);
    this.#newest ??= this.rooms()
      .filter((room) => room.id !== LOBBY)
      .sort((a, b) => b.createdAt - a.createdAt);
    for (const room of this.#newest) {
      if (page.length >= limit) break;
      if (!listed.has(room)) page.push(room);
    }
    return page;
  }

  /** A page of the named rooms in name order, only those whose name contains `search` if given. */
  list(search: string, offset: number, limit: number): { rooms: StoredRoom[]; total: number } {
    const wanted = nicknameKey(search.trim());
    const all = this.#sortedWithKeys();
    const matching = wanted === '' ? all : all.filter(({ key }) => key.includes(wanted));
    const rooms = matching.slice(offset, offset + limit).map(({ room }) => room);
    return { rooms, total: matching.length };
  }

  /**
   * The direct conversation of two people (identity ids), created (and stored) the first time;
   * `nicknames` are what they are called now (kept with it, for the record).
   */
  async direct(
    people: readonly [string, string],
    nicknames: readonly [string, string],
    now: number,
  ): Promise<StoredRoom> {
    const id = directId(people[0], people[1]);
    const known = this.#byId.get(id);
    if (known) return known;
    const ordered = people[0] < people[1] ? [0, 1] : [1, 0];
    const room: StoredRoom = {
      id,
      kind: 'direct',
      name: '',
      members: ordered.map((index) => nicknames[index]!),
      people: ordered.map((index) => people[index]!),
      createdAt: now,
    };
    this.#add(room);
    await this.#store?.saveRoom(room);
    this.#observer?.saved(room);
    return room;
  }

  /** A person's direct conversations, oldest first. */
  directsOf(person: string): readonly StoredRoom[] {
    return this.#directsOf.get(person) ?? [];
  }

  #add(room: StoredRoom): void {
    this.#byId.set(room.id, room);
    if (room.kind === 'direct') {
      // Protocol 1's conversations (between nicknames, no people) are kept, never opened.
      for (const person of room.people ?? []) {
        const directs = this.#directsOf.get(person);
        if (directs) directs.push(room);
        else this.#directsOf.set(person, [room]);
      }
      return;
    }
    this.#byName.set(nameSkeleton(room.name), room);
    this.#named++;
    this.#invalidate();
  }

  #invalidate(): void {
    this.#sorted = null;
    this.#newest = null;
  }

  #remove(room: StoredRoom): void {
    this.#byId.delete(room.id);
    if (this.#byName.get(nameSkeleton(room.name)) !== room) return;
    this.#byName.delete(nameSkeleton(room.name));
    this.#named--;
    this.#invalidate();
  }
}

/** True when the person `viewer` (an identity id) made `room`. */
export function isCreator(room: Pick<StoredRoom, 'creator'>, viewer: string): boolean {
  return room.creator !== undefined && room.creator === viewer;
}

/** The id of the direct conversation between two people (identity ids, in either order). */
export function directId(personA: string, personB: string): string {
  const [first, second] = [personA, personB].sort();
  const pair = `people\u0000${first}\u0000${second}`;
  return `d-${createHash('sha256').update(pair).digest('base64url').slice(0, 22)}`;
}

/** True when `person` (an identity id) is one of the two people of a direct conversation. */
export function isMember(room: StoredRoom, person: string): boolean {
  return room.people?.includes(person) ?? false;
}

/** The other person of a direct conversation (an identity id), as `person` sees it. */
export function otherPerson(room: StoredRoom, person: string): string {
  return room.people?.find((other) => other !== person) ?? person;
}
