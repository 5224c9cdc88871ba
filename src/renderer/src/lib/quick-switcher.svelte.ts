/**
 * The quick switcher (Ctrl+K / Cmd+K): one list of where the person can go — the rooms of the
 * server (joined or not), their direct conversations, the people online (choosing one opens the
 * direct conversation) and the servers saved on this device — narrowed by what is typed and
 * ranked by match-sorter (whole name, then start, then word start, then anywhere, then the
 * letters in order). The arrow keys move the active choice, Enter takes it.
 */
import { matchSorter } from 'match-sorter';
import type { SavedServer } from '../../../shared/api';
import type { User } from '../../../shared/protocol';
import type { RoomEntry } from './conversations.svelte';

export type SwitcherChoice =
  | { kind: 'room'; key: string; label: string; room: RoomEntry }
  | { kind: 'direct'; key: string; label: string; room: RoomEntry }
  | { kind: 'person'; key: string; label: string; person: User }
  | { kind: 'server'; key: string; label: string; server: SavedServer };

/** Where the switcher's choices come from, read when it opens and as they change. */
export interface SwitcherSources {
  /** The rooms in the room list's order (the lobby first). */
  rooms: () => readonly RoomEntry[];
  directs: () => readonly RoomEntry[];
  /** Everyone online the lobby has loaded (a crowded server's: its first pages). */
  people: () => readonly User[];
  /**
   * The people online whose nickname contains `query`, asked of the server: those past the pages
   * loaded (none to ask when everyone is loaded).
   */
  findPeople?: (query: string) => Promise<readonly User[]>;
  /** This person's identity: not offered as someone to talk to. */
  selfId: () => string | null;
  /** The room on screen: not offered (it is where the person is already). */
  currentRoom: () => string;
  /** The servers saved on this device that the page can reach. */
  servers: () => readonly SavedServer[];
  /** The server connected to now (its URL): not offered. */
  currentServer: () => string | null;
}

export interface SwitcherActions {
  /** Shows a joined room, or joins one and shows it. */
  onroom: (room: string) => void;
  /** Opens (or shows) the direct conversation with someone online. */
  onperson: (nickname: string) => void;
  /** Leaves this server and joins that one. */
  onserver: (server: SavedServer) => void;
}

/** More than this many choices are not listed: typing narrows them down. */
export const MAX_CHOICES = 50;

export class QuickSwitcher {
  readonly #sources: SwitcherSources;
  readonly #actions: SwitcherActions;
  #open = $state(false);
  /** The search field. */
  query = $state('');
  #active = $state(0);
  /** People the server found for what is typed (findPeople), for the latest query only. */
  #found = $state.raw<readonly User[]>([]);
  #asked = 0;

  constructor(sources: SwitcherSources, actions: SwitcherActions) {
    this.#sources = sources;
    this.#actions = actions;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Every place to go, before narrowing: rooms, direct conversations, people, servers. */
  readonly #everything: SwitcherChoice[] = $derived.by(() => {
    const current = this.#sources.currentRoom();
    const directs = this.#sources.directs();
    // A throwaway lookup inside the derivation, not state.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const withDirect = new Set(directs.map((room) => room.peer ?? room.name.toLowerCase()));
    const self = this.#sources.selfId();
    const here = this.#sources.currentServer();
    return [
      ...this.#sources
        .rooms()
        .filter((room) => room.id !== current)
        .map((room): SwitcherChoice => ({ kind: 'room', key: room.id, label: room.name, room })),
      ...directs
        .filter((room) => room.id !== current)
        .map((room): SwitcherChoice => ({ kind: 'direct', key: room.id, label: room.name, room })),
      // Someone with a conversation open already is found as that conversation.
      ...withFound(this.#sources.people(), this.#found)
        .filter(
          (person) =>
            person.id !== self &&
            !withDirect.has(person.id) &&
            !withDirect.has(person.nickname.toLowerCase()),
        )
        .map((person): SwitcherChoice => ({
          kind: 'person',
          key: `person:${person.id}`,
          label: person.nickname,
          person,
        })),
      ...this.#sources
        .servers()
        .filter((server) => server.url !== here)
        .map((server): SwitcherChoice => ({
          kind: 'server',
          key: `server:${server.url}`,
          label: server.name,
          server,
        })),
    ];
  });

  /** The choices for what is typed, best match first (ties keep the list's order). */
  readonly choices: SwitcherChoice[] = $derived(
    matchSorter(this.#everything, this.query.trim(), {
      keys: ['label'],
      baseSort: (a, b) => a.index - b.index,
    }).slice(0, MAX_CHOICES),
  );

  /** The index of the active choice (the one Enter takes); -1 when nothing matches. */
  get active(): number {
    return this.choices.length === 0 ? -1 : Math.min(this.#active, this.choices.length - 1);
  }

  show(): void {
    this.query = '';
    this.#active = 0;
    this.#found = [];
    this.#asked++;
    this.#open = true;
  }

  close(): void {
    this.#open = false;
  }

  /** The search text changed: the best match becomes the active one, and the server is asked. */
  input(): void {
    this.#active = 0;
    void this.#find(this.query.trim());
  }

  /** Asks for the people `query` finds; an answer to an earlier query (typing went on) is dropped. */
  async #find(query: string): Promise<void> {
    const asked = ++this.#asked;
    const find = this.#sources.findPeople;
    const found = find && query !== '' ? await find(query) : [];
    if (asked === this.#asked) this.#found = found;
  }

  /** Moves the active choice; past either end it goes round to the other. */
  move(step: 1 | -1): void {
    const count = this.choices.length;
    if (count === 0) return;
    this.#active = (this.active + step + count) % count;
  }

  moveTo(where: 'first' | 'last'): void {
    this.#active = where === 'first' ? 0 : Math.max(0, this.choices.length - 1);
  }

  /** Goes where the choice at `index` (default: the active one) says; false when there is none. */
  choose(index = this.active): boolean {
    const choice = this.choices[index];
    if (!choice) return false;
    this.#open = false;
    switch (choice.kind) {
      case 'room':
      case 'direct':
        this.#actions.onroom(choice.room.id);
        break;
      case 'person':
        this.#actions.onperson(choice.person.nickname);
        break;
      case 'server':
        this.#actions.onserver(choice.server);
        break;
    }
    return true;
  }
}

/** `loaded`, then those of `found` not among them (by identity). */
function withFound(loaded: readonly User[], found: readonly User[]): readonly User[] {
  if (found.length === 0) return loaded;
  const known = new Set(loaded.map((person) => person.id));
  return [...loaded, ...found.filter((person) => !known.has(person.id))];
}
