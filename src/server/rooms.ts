/**
 * The server's rooms: the lobby (always there), rooms people create (names unique ignoring case,
 * kept in the store so they survive restarts) and direct conversations between two nicknames
 * (ids derived from the pair, so both people and every reconnect find the same one). Ids are
 * short and URL-safe: they are part of storage keys and never contain a separator.
 */
import { createHash } from 'node:crypto';
import { nanoid } from 'nanoid';
import { LOBBY } from '../shared/limits';
import { nicknameKey } from '../shared/schemas';
import type { RoomStore, StoredRoom } from './storage/history-store';

export const LOBBY_NAME = 'Lobby';

export class RoomDirectory {
  readonly #byId = new Map<string, StoredRoom>();
  readonly #byName = new Map<string, StoredRoom>();
  readonly #store: RoomStore | null;

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

  /** Named rooms (the lobby first, then by name); direct conversations are not listed. */
  rooms(): StoredRoom[] {
    return [...this.#byId.values()]
      .filter((room) => room.kind === 'room')
      .sort((a, b) => (a.id === LOBBY ? -1 : b.id === LOBBY ? 1 : a.name.localeCompare(b.name)));
  }

  /** Creates a room; null when one with this name (ignoring case) exists. Stored before it counts. */
  async create(name: string, now: number): Promise<StoredRoom | null> {
    if (this.#byName.has(nicknameKey(name))) return null;
    const room: StoredRoom = {
      id: `r-${nanoid(12)}`,
      kind: 'room',
      name,
      members: [],
      createdAt: now,
    };
    // Claimed at once, so that two creations of one name in the same moment cannot both win.
    this.#add(room);
    try {
      await this.#store?.saveRoom(room);
    } catch (error) {
      this.#byId.delete(room.id);
      this.#byName.delete(nicknameKey(name));
      throw error;
    }
    return room;
  }

  /** The direct conversation of two nicknames, created (and stored) the first time. */
  async direct(nicknameA: string, nicknameB: string, now: number): Promise<StoredRoom> {
    const id = directId(nicknameA, nicknameB);
    const known = this.#byId.get(id);
    if (known) return known;
    const room: StoredRoom = {
      id,
      kind: 'direct',
      name: '',
      members: [nicknameA, nicknameB].sort((a, b) => nicknameKey(a).localeCompare(nicknameKey(b))),
      createdAt: now,
    };
    this.#add(room);
    await this.#store?.saveRoom(room);
    return room;
  }

  #add(room: StoredRoom): void {
    this.#byId.set(room.id, room);
    if (room.kind === 'room') this.#byName.set(nicknameKey(room.name), room);
  }
}

/** The id of the direct conversation between two nicknames (in either order, any case). */
export function directId(nicknameA: string, nicknameB: string): string {
  const [first, second] = [nicknameKey(nicknameA), nicknameKey(nicknameB)].sort();
  return `d-${createHash('sha256').update(`${first}\u0000${second}`).digest('base64url').slice(0, 22)}`;
}

/** True when `nickname` is one of the two people of a direct conversation. */
export function isMember(room: StoredRoom, nickname: string): boolean {
  const key = nicknameKey(nickname);
  return room.members.some((member) => nicknameKey(member) === key);
}

/** The other person of a direct conversation, as `nickname` sees it. */
export function otherMember(room: StoredRoom, nickname: string): string {
  const key = nicknameKey(nickname);
  return room.members.find((member) => nicknameKey(member) !== key) ?? nickname;
}
