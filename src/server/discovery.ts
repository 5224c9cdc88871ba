/**
 * LAN discovery: a hosted room announces itself with DNS-SD over multicast DNS (service type
 * `_parley._tcp`, via bonjour-service), and a browser lists the rooms it hears, live.
 *
 * Discovery is a convenience, never a dependency: nothing here throws into the app or waits on
 * the network. No network, a network that drops multicast, or a port 5353 that cannot be opened
 * all end the same way: an empty list (and `problem` says why, when it is known).
 *
 * bonjour-service answers queries and sends goodbye packets, but its records live for hours
 * (PTR TTL 28800 s) and its browser never forgets a host that vanished without a goodbye. So the
 * browser here asks again every `refreshIntervalMs` and drops a room that has not answered for
 * `staleAfterMs`: a host that crashes or leaves the network disappears within about ten seconds.
 *
 * Every function accepts the network interface to use, because tests must only ever send
 * multicast inside a network namespace they create (see tests/integration/discovery.spec.ts).
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service';
import type { DiscoveredRoom, Unsubscribe } from '../shared/api';
import { normalizeFingerprint } from '../shared/join-link';
import { LIMITS, PROTOCOL_VERSION } from '../shared/limits';

/** DNS-SD service type `_parley._tcp` (bonjour-service adds the underscores). */
export const SERVICE_TYPE = 'parley';
const SERVICE_DOMAIN = `_${SERVICE_TYPE}._tcp.local`;

/** Room names are cut to this many characters in announcements. */
export const ROOM_NAME_MAX_LENGTH = 64;

export interface DiscoveryNetworkOptions {
  /**
   * IPv4 address of the network interface to use (multicast membership and outgoing packets),
   * e.g. `192.168.1.5`; default every IPv4 interface. Tests pass `127.0.0.1` inside a namespace.
   */
  interface?: string;
  /** Address the mDNS socket binds; default every address (multicast needs it on most systems). */
  bind?: string;
  /** Where failures are reported (they never throw); default console.error. */
  onError?: (error: unknown) => void;
}

/** What a room says about itself on the network (the TXT record, see docs/PROTOCOL.md). */
export interface RoomAnnouncement {
  /** TCP port of the chat server. */
  port: number;
  roomName: string;
  hostNickname: string;
  passphraseRequired?: boolean;
  /** SHA-256 fingerprint of the server's TLS certificate; none for plain http. */
  fingerprint?: string | null;
  /** Announcement id; default random. */
  id?: string;
}

export interface RoomAdvertisement {
  readonly id: string;
  readonly roomName: string;
  readonly hostNickname: string;
  /** Sends the goodbye packet (browsers drop the room at once) and closes the socket. */
  stop(): Promise<void>;
}

/** How long stop() waits for the goodbye packet to go out before closing anyway. */
const STOP_TIMEOUT_MS = 1_000;

/** Starts announcing a room; never throws (a failure is reported and the room stays unlisted). */
export function advertiseRoom(
  room: RoomAnnouncement,
  options: DiscoveryNetworkOptions = {},
): RoomAdvertisement {
  const onError = options.onError ?? defaultOnError;
  const id = room.id ?? randomBytes(4).toString('hex');
  const roomName = cleanText(room.roomName, ROOM_NAME_MAX_LENGTH) || 'Parley room';
  const hostNickname = cleanText(room.hostNickname, LIMITS.nicknameMaxLength);
  let bonjour: Bonjour | null = null;
  let service: Service | null = null;
  try {
    bonjour = openBonjour(options, onError);
    service = bonjour.publish({
      // The instance name must be unique on the network (bonjour-service probes and gives up on
      // a clash), so it carries the id; people see the room name from the TXT record.
      name: `${clipBytes(roomName, 48).replace(/\./g, ' ')} [${id}]`,
      type: SERVICE_TYPE,
      protocol: 'tcp',
      port: room.port,
      txt: roomTxt({ ...room, id, roomName, hostNickname }),
    });
  } catch (error) {
    onError(error);
  }

  let stopping: Promise<void> | null = null;
  return {
    id,
    roomName,
    hostNickname,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        const close = () => {
          clearTimeout(timer);
          try {
            bonjour?.destroy();
          } catch (error) {
            onError(error);
          }
          resolve();
        };
        const timer = setTimeout(close, STOP_TIMEOUT_MS);
        try {
          if (service) service.stop(close);
          else close();
        } catch (error) {
          onError(error);
          close();
        }
      });
      return stopping;
    },
  };
}

/** The TXT record of a room: short keys, one `key=value` string each (at most 255 bytes). */
export function roomTxt(room: RoomAnnouncement & { id: string }): Record<string, string> {
  const fingerprint = room.fingerprint ? normalizeFingerprint(room.fingerprint) : null;
  const txt: Record<string, string> = {
    txtvers: '1',
    id: room.id,
    proto: String(PROTOCOL_VERSION),
    pw: room.passphraseRequired ? '1' : '0',
    room: clipBytes(cleanText(room.roomName, ROOM_NAME_MAX_LENGTH), 240) || 'Parley room',
  };
  const host = clipBytes(cleanText(room.hostNickname, LIMITS.nicknameMaxLength), 240);
  // bonjour-service cannot decode an empty value: an unnamed host is simply left out.
  if (host) txt['host'] = host;
  if (fingerprint) txt['fp'] = fingerprint;
  return txt;
}

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
  const txt = (service.txt ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof txt[key] === 'string' ? (txt[key] as string) : '');
  const port = service.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;

  const fingerprint = normalizeFingerprint(text('fp'));
  const scheme = fingerprint ? 'https' : 'http';
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

  const id = cleanText(text('id'), 32) || service.fqdn.toLowerCase();
  const protocolVersion = /^\d{1,6}$/.test(text('proto')) ? Number(text('proto')) : 0;
  return {
    id,
    roomName:
      cleanText(text('room'), ROOM_NAME_MAX_LENGTH) ||
      cleanText(service.name, ROOM_NAME_MAX_LENGTH),
    hostNickname: cleanText(text('host'), LIMITS.nicknameMaxLength),
    url: urls[0]!,
    urls,
    passphraseRequired: text('pw') === '1',
    protocolVersion,
    compatible: protocolVersion === PROTOCOL_VERSION,
    fingerprint,
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

/** Single-line printable text, trimmed and cut to `max` characters. */
function cleanText(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const single = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return [...single].slice(0, max).join('').trim();
}

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
function clipBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > max) break;
    out += char;
    bytes += size;
  }
  return out;
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

/**
 * The multicast-dns instance inside bonjour-service. Reached into for two things the library
 * does not offer: its socket errors (unhandled, an 'error' event would crash the process) and
 * the raw answers (to know which rooms are still answering).
 */
function mdnsOf(bonjour: Bonjour): EventEmitter | null {
  const server = (bonjour as unknown as { server?: { mdns?: EventEmitter } }).server;
  return server?.mdns ?? null;
}

function openBonjour(
  options: DiscoveryNetworkOptions,
  onError: (error: unknown) => void,
  onProblem: (problem: string) => void = () => {},
): Bonjour {
  const network: { interface?: string; bind?: string } = {};
  if (options.interface !== undefined) network.interface = options.interface;
  // With one interface chosen, multicast-dns would bind to that unicast address, which does not
  // receive multicast on Linux: bind the wildcard unless told otherwise.
  const bind = options.bind ?? (options.interface !== undefined ? '0.0.0.0' : undefined);
  if (bind !== undefined) network.bind = bind;
  // bonjour-service passes these to multicast-dns, though its types only mention service fields.
  // The error callback replaces its default, which throws.
  const bonjour = new Bonjour(network as unknown as Partial<ServiceConfig>, (error: unknown) =>
    onError(error),
  );
  const mdns = mdnsOf(bonjour);
  mdns?.on('error', (error: unknown) => {
    onProblem(describeSocketError(error));
    onError(error);
  });
  // Warnings are per-interface hiccups (a membership that cannot be added, a packet that does
  // not decode): expected on real networks, and not worth anyone's attention.
  mdns?.on('warning', () => {});
  return bonjour;
}

function describeSocketError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return 'Another program holds the network discovery port (UDP 5353) for itself.';
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return 'This system does not allow Parley to use network discovery (UDP 5353).';
  }
  return `Network discovery could not start (${error instanceof Error ? error.message : String(error)}).`;
}

function defaultOnError(error: unknown): void {
  console.error('[parley] discovery:', error);
}
