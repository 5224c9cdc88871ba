/**
 * LAN discovery, the announcing side: a hosted room announces itself with DNS-SD over multicast
 * DNS (service type `_parley._tcp`, via bonjour-service). The desktop app's room browser
 * (src/desktop/room-browser.ts) lists what it hears over the same mDNS socket setup, exported
 * here; what a room announces (the TXT record) is src/shared/room-announcement.ts.
 *
 * Discovery is a convenience, never a dependency: nothing here throws into the app or waits on
 * the network. No network, a network that drops multicast, or a port 5353 that cannot be opened
 * all end the same way: the room stays unlisted (and the failure is reported to `onError`).
 *
 * Every function accepts the network interface to use, because tests must only ever send
 * multicast inside a network namespace they create (see tests/integration/discovery.spec.ts).
 */
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service';
import { LIMITS } from '../shared/limits';
import {
  cleanText,
  clipBytes,
  ROOM_NAME_MAX_LENGTH,
  roomTxt,
  SERVICE_TYPE,
  type RoomAnnouncement,
} from '../shared/room-announcement';

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

export interface RoomAdvertisement {
  readonly id: string;
  readonly roomName: string;
  readonly hostNickname: string;
  /** Sends the goodbye packet (browsers drop the room at once) and closes the socket. */
  stop(): Promise<void>;
}

/** How long stopping waits for mDNS to say goodbye and close before going on anyway. */
export const STOP_TIMEOUT_MS = 1_000;

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

/**
 * The multicast-dns instance inside bonjour-service. Reached into for two things the library
 * does not offer: its socket errors (unhandled, an 'error' event would crash the process) and
 * the raw answers (to know which rooms are still answering).
 */
export function mdnsOf(bonjour: Bonjour): EventEmitter | null {
  const server = (bonjour as unknown as { server?: { mdns?: EventEmitter } }).server;
  return server?.mdns ?? null;
}

export function openBonjour(
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

export function describeSocketError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return 'Another program holds the network discovery port (UDP 5353) for itself.';
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return 'This system does not allow Parley to use network discovery (UDP 5353).';
  }
  return `Network discovery could not start (${error instanceof Error ? error.message : String(error)}).`;
}

export function defaultOnError(error: unknown): void {
  console.error('[parley] discovery:', error);
}
