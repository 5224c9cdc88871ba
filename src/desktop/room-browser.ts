/**
 * The desktop app's LAN room list: a browser that lists the rooms it hears announced over
 * multicast DNS (DNS-SD service `_parley._tcp`, see src/server/discovery.ts for the announcing
 * side and src/shared/room-announcement.ts for what a room says), live.
 *
 * Discovery is a convenience, never a dependency: nothing here throws into the app or waits on
 * the network. No network, a network that drops multicast, or a port 5353 that cannot be opened
 * all end the same way: an empty list (and `problem` says why, when it is known).
 *
 * bonjour-service answers queries and sends goodbye packets, but its records live for hours
 * (PTR TTL 28800 s) and its browser never forgets a host that vanished without a goodbye. So the
 * browser here asks again every `refreshIntervalMs` and drops a room that has not answered for
 * `staleAfterMs`: a host that crashes or leaves the network disappears within about ten seconds.
 */
import { isIP } from 'node:net';
import type { Bonjour, Service } from 'bonjour-service';
import {
  defaultOnError,
  describeSocketError,
  mdnsOf,
  openBonjour,
  STOP_TIMEOUT_MS,
  type DiscoveryNetworkOptions,
} from '../server/discovery';
import type { DiscoveredRoom, Unsubscribe } from '../shared/api';
import { PROTOCOL_VERSION } from '../shared/limits';
import {
  cleanText,
  readRoomTxt,
  ROOM_NAME_MAX_LENGTH,
  SERVICE_TYPE,
} from '../shared/room-announcement';

const SERVICE_DOMAIN = `_${SERVICE_TYPE}._tcp.local`;

export interface RoomBrowserOptions extends DiscoveryNetworkOptions {
  /** How often to ask the network again, in ms; default 2000. */
  refreshIntervalMs?: number;
  /** A room that has not answered for this long is gone, in ms; default 7000. */
  staleAfterMs?: number;
  /** True for the announcement id of a room this app hosts itself. */
  isOwn?: (id: string) => boolean;
  clock?: () => number;
}

/** Lists the rooms on the network, live. Construct to start; stop() when done. */
export class RoomBrowser {
  readonly #refreshIntervalMs: number;
  readonly #staleAfterMs: number;
  readonly #isOwn: (id: string) => boolean;
  readonly #clock: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(rooms: DiscoveredRoom[]) => void>();
  /** When each service (by lower-case instance name) last answered. */
  readonly #lastSeen = new Map<string, number>();
  #bonjour: Bonjour | null = null;
  #browser: ReturnType<Bonjour['find']> | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #rooms: DiscoveredRoom[] = [];
  #problem: string | null = null;
  #stopped = false;

  constructor(options: RoomBrowserOptions = {}) {
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 2_000;
    this.#staleAfterMs = options.staleAfterMs ?? 7_000;
    this.#isOwn = options.isOwn ?? (() => false);
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ?? defaultOnError;
    try {
      const bonjour = openBonjour(options, this.#onError, (problem) => {
        this.#problem = problem;
        this.#update();
      });
      this.#bonjour = bonjour;
      mdnsOf(bonjour)?.on('response', (packet: MdnsPacket) => this.#noteAnswers(packet));
      const browser = bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' });
      for (const event of ['up', 'down', 'txt-update', 'srv-update'] as const) {
        browser.on(event, () => this.#update());
      }
      this.#browser = browser;
      this.#timer = setInterval(() => this.refresh(), this.#refreshIntervalMs);
      this.#timer.unref?.();
    } catch (error) {
      this.#problem = describeSocketError(error);
      this.#onError(error);
    }
  }

  /** The rooms heard recently, sorted by name. */
  get rooms(): DiscoveredRoom[] {
    return this.#rooms;
  }

  /** Why discovery cannot work here (the mDNS socket failed), or null. */
  get problem(): string | null {
    return this.#problem;
  }

  onRooms(listener: (rooms: DiscoveredRoom[]) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks the network again now (after a network change) and drops rooms gone quiet. */
  refresh(): void {
    if (this.#stopped) return;
    try {
      this.#browser?.update();
    } catch (error) {
      this.#onError(error);
    }
    this.#update();
  }

  /** Re-evaluates `own` (the app started or stopped hosting). */
  recheck(): void {
    this.#update(true);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#listeners.clear();
    try {
      this.#browser?.stop();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        if (!this.#bonjour) return resolve();
        this.#bonjour.destroy(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Any answer about a room (PTR, SRV or TXT, TTL > 0) proves it is still there. */
  #noteAnswers(packet: MdnsPacket): void {
    try {
      const now = this.#clock();
      for (const record of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
        const name = typeof record.name === 'string' ? record.name.toLowerCase() : '';
        let instance: string | null = null;
        if (record.type === 'PTR' && name === SERVICE_DOMAIN && typeof record.data === 'string') {
          instance = record.data.toLowerCase();
        } else if (
          (record.type === 'SRV' || record.type === 'TXT') &&
          name.endsWith(SERVICE_DOMAIN)
        ) {
          instance = name;
        }
        if (instance === null) continue;
        if ((record.ttl ?? 0) > 0) this.#lastSeen.set(instance, now);
        else this.#lastSeen.delete(instance);
      }
    } catch (error) {
      this.#onError(error);
    }
    // The Browser's own listener may run after this one: look again once it has.
    queueMicrotask(() => this.#update());
  }

  #update(force = false): void {
    if (this.#stopped) return;
    try {
      const now = this.#clock();
      const services = this.#browser?.services ?? [];
      const fresh: Service[] = [];
      for (const service of [...services]) {
        const key = service.fqdn.toLowerCase();
        const seen = this.#lastSeen.get(key) ?? service.lastSeen ?? now;
        if (!this.#lastSeen.has(key)) this.#lastSeen.set(key, seen);
        if (now - seen <= this.#staleAfterMs) {
          fresh.push(service);
          continue;
        }
        // Gone quiet without a goodbye: forget it, so that if it comes back bonjour-service
        // reports it as new.
        this.#lastSeen.delete(key);
        const index = services.indexOf(service);
        if (index !== -1) services.splice(index, 1);
      }
      const byId = new Map<string, DiscoveredRoom>();
      for (const service of fresh) {
        const room = roomFromService(service, this.#isOwn);
        if (room && !byId.has(room.id)) byId.set(room.id, room);
      }
      const rooms = [...byId.values()].sort(
        (a, b) => a.roomName.localeCompare(b.roomName) || a.id.localeCompare(b.id),
      );
      if (!force && JSON.stringify(rooms) === JSON.stringify(this.#rooms)) return;
      this.#rooms = rooms;
      for (const listener of this.#listeners) {
        try {
          listener(rooms);
        } catch (error) {
          this.#onError(error);
        }
      }
    } catch (error) {
      this.#onError(error);
    }
  }
}

/** What bonjour-service reports about a service, reduced to what a room list needs. */
export type HeardService = Pick<Service, 'name' | 'fqdn' | 'port' | 'txt' | 'addresses'> & {
  referer?: { address: string } | undefined;
};

/**
 * Turns an answer heard on the network into a room, or null when it cannot be joined (no usable
 * address or port). Everything in it came from the network: lengths are capped, text cleaned.
 */
export function roomFromService(
  service: HeardService,
  isOwn: (id: string) => boolean = () => false,
): DiscoveredRoom | null {
  const port = service.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;

  const said = readRoomTxt(service.txt);
  const scheme = said.fingerprint ? 'https' : 'http';
  const candidates = [service.referer?.address, ...(service.addresses ?? [])].filter(
    (address): address is string => typeof address === 'string' && isJoinableAddress(address),
  );
  // The address the announcement came from first (it is on our network), then IPv4, then IPv6.
  const [first, ...rest] = [...new Set(candidates)];
  if (first === undefined) return null;
  const ordered = [
    first,
    ...rest.filter((a) => isIP(a) === 4),
    ...rest.filter((a) => isIP(a) === 6),
  ];
  const urls = ordered.map(
    (address) => `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`,
  );

  const id = said.id || service.fqdn.toLowerCase();
  return {
    id,
    roomName: said.roomName || cleanText(service.name, ROOM_NAME_MAX_LENGTH),
    hostNickname: said.hostNickname,
    url: urls[0]!,
    urls,
    passphraseRequired: said.passphraseRequired,
    protocolVersion: said.protocolVersion,
    compatible: said.protocolVersion === PROTOCOL_VERSION,
    fingerprint: said.fingerprint,
    own: isOwn(id),
  };
}

/** IPv4, or IPv6 that is not link-local (a link-local URL would need a zone id). */
function isJoinableAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address !== '0.0.0.0';
  if (family === 6) return !/^fe[89ab]/i.test(address) && address !== '::';
  return false;
}

interface MdnsRecord {
  name?: unknown;
  type?: string;
  ttl?: number;
  data?: unknown;
}
interface MdnsPacket {
  answers?: MdnsRecord[];
  additionals?: MdnsRecord[];
}
