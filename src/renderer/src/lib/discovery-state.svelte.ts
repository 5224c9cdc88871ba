/**
 * Rooms on the local network ("Rooms on your network"), live from `window.parley.discovery`.
 * The room this app hosts itself is left out: "Open your room" is the way into that one.
 */
import type { DiscoveredRoom, ParleyApi, Unsubscribe } from '../../../shared/api';

export class DiscoveryState {
  readonly #api: ParleyApi['discovery'];
  #rooms = $state.raw<DiscoveredRoom[]>([]);

  constructor(api: ParleyApi['discovery']) {
    this.#api = api;
  }

  /** Others' rooms, by room name. */
  get rooms(): DiscoveredRoom[] {
    return this.#rooms;
  }

  start(): Unsubscribe {
    let live = true;
    const off = this.#api.onRooms((rooms) => this.#set(rooms));
    void this.#api.rooms().then(
      (rooms) => {
        if (live) this.#set(rooms);
      },
      () => {},
    );
    return () => {
      live = false;
      off();
    };
  }

  #set(rooms: DiscoveredRoom[]): void {
    this.#rooms = rooms
      .filter((room) => !room.own)
      .sort((a, b) => a.roomName.localeCompare(b.roomName));
  }
}
