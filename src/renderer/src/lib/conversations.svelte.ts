/**
 * Every conversation of one chat connection: the rooms the server has (with how many people are in
 * each), the ones joined (a ChatState each: the lobby always, other rooms and direct conversations
 * once joined) and the one on screen. Built only from ChatEvents, like ChatState; `show` changes
 * which room is on screen.
 */
import type { ChatEvent } from '../../../shared/api';
import { LOBBY } from '../../../shared/limits';
import type { JoinedSession, RoomInfo } from '../../../shared/protocol';
import { SvelteSet } from 'svelte/reactivity';
import { ChatState } from './chat-state.svelte';

/** What the room list shows of a room. */
export interface RoomEntry {
  id: string;
  kind: 'room' | 'direct';
  /** A room's name; a direct conversation's: the other person's nickname. */
  name: string;
  /** A direct conversation's other person (their identity id). */
  peer?: string;
  /** People in it now. */
  members: number;
  joined: boolean;
  /** This person may delete it: they made it, or they are the host (never the lobby). */
  deletable: boolean;
}

export class Conversations {
  /** Rooms the server has (the lobby and created rooms), by id, in the order they became known. */
  #rooms = $state.raw<RoomInfo[]>([]);
  /** Member counts from `room-counts`, newer than the RoomInfo's. */
  #members = $state.raw<Record<string, number>>({});
  /** The joined conversations, lobby first, then in the order they were joined. */
  #joined = $state.raw<ChatState[]>([new ChatState({ room: LOBBY })]);
  #currentId = $state(LOBBY);
  /** Direct conversations' RoomInfo (their names), by id. */
  #directs = $state.raw<Record<string, RoomInfo>>({});
  /** The last join of the server: a room joined later learns who this is from it. */
  #session = $state.raw<JoinedSession | null>(null);
  /** How many rooms the server has (the list shows only those the join listed, and joined). */
  #roomCount = $state(0);
  /**
   * The direct conversations' other people who are online, by identity: as the server said when
   * it listed the conversation, then as people come and go in the lobby. (The lobby's people list
   * may be a first page only: a crowded server's people are not all in it.)
   */
  readonly #peersOnline = new SvelteSet<string>();

  /** The conversation on screen. */
  readonly current: ChatState = $derived(
    this.#joined.find((chat) => chat.room === this.#currentId) ?? this.lobby,
  );

  /** True when this connection is the host's (it may delete any room or message). */
  get host(): boolean {
    return this.#session?.host ?? false;
  }

  get lobby(): ChatState {
    return this.#joined[0]!;
  }

  get joined(): readonly ChatState[] {
    return this.#joined;
  }

  /** Rooms (not direct conversations) for the room list: the lobby first, then by name. */
  readonly rooms: RoomEntry[] = $derived.by(() => {
    // A throwaway lookup inside the derivation, not state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const joined = new Set(this.#joined.map((chat) => chat.room));
    const entries = this.#rooms.map((room) => this.#entry(room, joined.has(room.id)));
    return entries.sort(
      (a, b) =>
        Number(b.id === LOBBY) - Number(a.id === LOBBY) ||
        a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
    );
  });

  /** Direct conversations joined, in the order they were opened. */
  readonly directs: RoomEntry[] = $derived(
    this.#joined
      .map((chat) => this.#directs[chat.room])
      .filter((room): room is RoomInfo => room !== undefined)
      .map((room) => this.#entry(room, true)),
  );

  /** The RoomEntry of the room on screen. */
  readonly currentEntry: RoomEntry = $derived(
    [...this.rooms, ...this.directs].find((room) => room.id === this.#currentId) ?? {
      id: LOBBY,
      kind: 'room',
      name: 'Lobby',
      members: this.lobby.userCount,
      joined: true,
      deletable: false,
    },
  );

  /** How many rooms the server has, the lobby included. */
  get roomCount(): number {
    return Math.max(this.#roomCount, this.#rooms.length);
  }

  isJoined(room: string): boolean {
    return this.#joined.some((chat) => chat.room === room);
  }

  isDirect(room: string): boolean {
    return this.#directs[room] !== undefined;
  }

  /** The room's name, for notifications and the header; undefined for an unknown room. */
  nameOf(room: string): string | undefined {
    return (this.#directs[room] ?? this.#rooms.find((known) => known.id === room))?.name;
  }

  /**
   * True when the other person of a direct conversation is online: by their identity (`peer`), or
   * by name for a conversation that names no one (everyone online is in the lobby).
   */
  isOnline(entry: Pick<RoomEntry, 'name' | 'peer'>): boolean {
    if (entry.peer !== undefined) {
      const { peer } = entry;
      return this.#peersOnline.has(peer) || this.lobby.users.some((user) => user.id === peer);
    }
    const wanted = entry.name.toLowerCase();
    return this.lobby.users.some((user) => user.nickname.toLowerCase() === wanted);
  }

  /** Puts `room` on screen; false when it is not joined. */
  show(room: string): boolean {
    if (!this.isJoined(room)) return false;
    this.#currentId = room;
    return true;
  }

  apply(event: ChatEvent): void {
    switch (event.type) {
      case 'session':
        this.#session = event.session;
        // The rooms joined stay (they are joined again: a room gone by then is dropped by
        // `room-deleted`); others the server no longer lists may have been deleted meanwhile.
        this.#rooms = mergeRooms(
          this.#rooms.filter((room) => this.isJoined(room.id)),
          event.session.rooms,
        );
        this.#roomCount = event.session.roomCount;
        this.#peersOnline.clear();
        for (const direct of event.session.directs) this.#notePeer(direct);
        break;
      case 'room-created':
        if (!this.#rooms.some((room) => room.id === event.room.id)) this.#roomCount++;
        this.#rooms = mergeRooms(this.#rooms, [event.room]);
        break;
      case 'room-deleted':
        this.#rooms = this.#rooms.filter((room) => room.id !== event.room);
        if (event.roomCount !== undefined) this.#roomCount = event.roomCount;
        this.#joined = this.#joined.filter((chat) => chat.room !== event.room);
        if (this.#currentId === event.room) this.#currentId = LOBBY;
        break;
      case 'room-counts':
        this.#members = { ...this.#members, ...event.counts };
        break;
      case 'room-joined': {
        const { room } = event.joined;
        if (room.kind === 'direct') this.#directs = { ...this.#directs, [room.id]: room };
        else this.#rooms = mergeRooms(this.#rooms, [room]);
        this.#notePeer(room);
        this.#members = { ...this.#members, [room.id]: room.members };
        if (!this.isJoined(room.id)) {
          const chat = new ChatState({ room: room.id });
          // Who this is and where, as the lobby learnt it (a session's people and messages are
          // the lobby's: another room takes only that much from it).
          chat.apply({ type: 'status', status: this.lobby.status });
          if (this.#session) chat.apply({ type: 'session', session: this.#session });
          this.#joined = [...this.#joined, chat];
        }
        break;
      }
      case 'user-joined':
        if (event.room === LOBBY && this.#isPeer(event.user.id)) {
          this.#peersOnline.add(event.user.id);
        }
        break;
      case 'user-left':
        if (event.room === LOBBY) this.#peersOnline.delete(event.user.id);
        break;
      case 'room-left':
        if (event.room === LOBBY) break;
        this.#joined = this.#joined.filter((chat) => chat.room !== event.room);
        if (this.#currentId === event.room) this.#currentId = LOBBY;
        break;
    }
    // Notices and errors concern what the person is looking at; the rest, each room its own.
    if (event.type === 'notice' || event.type === 'error') {
      this.current.apply(event);
      return;
    }
    for (const chat of this.#joined) chat.apply(event);
  }

  /** Forgets everything: before joining another server, or after leaving. */
  reset(): void {
    this.lobby.reset();
    this.#joined = [this.lobby];
    this.#rooms = [];
    this.#members = {};
    this.#directs = {};
    this.#peersOnline.clear();
    this.#session = null;
    this.#roomCount = 0;
    this.#currentId = LOBBY;
  }

  /** Whether `id` is the other person of a direct conversation this client knows. */
  #isPeer(id: string): boolean {
    return Object.values(this.#directs).some((direct) => direct.peer === id);
  }

  /** Notes whether a direct conversation's other person is online, as the server said. */
  #notePeer(room: RoomInfo): void {
    if (room.peer === undefined || room.peerOnline === undefined) return;
    if (room.peerOnline) this.#peersOnline.add(room.peer);
    else this.#peersOnline.delete(room.peer);
  }

  #entry(room: RoomInfo, joined: boolean): RoomEntry {
    const members = this.#members[room.id] ?? room.members;
    return {
      id: room.id,
      kind: room.kind,
      name: room.name,
      ...(room.peer === undefined ? {} : { peer: room.peer }),
      members,
      joined,
      deletable: this.#mayDelete(room),
    };
  }

  #mayDelete(room: RoomInfo): boolean {
    const session = this.#session;
    if (!session || room.kind !== 'room' || room.id === LOBBY) return false;
    return (
      session.host ||
      session.self.role === 'admin' ||
      (room.creator !== undefined && room.creator === session.self.id)
    );
  }
}

/** `known` with `more` added or updated (by id), in the order they became known. */
function mergeRooms(known: readonly RoomInfo[], more: readonly RoomInfo[]): RoomInfo[] {
  // A throwaway lookup, not state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const byId = new Map(known.map((room) => [room.id, room]));
  for (const room of more) if (room.kind === 'room') byId.set(room.id, room);
  return [...byId.values()];
}
