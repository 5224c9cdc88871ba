/**
 * HostingService: "Host a room" for the desktop app. Starts and stops one chat server (on every
 * network interface, since hosting is for the LAN), announces it on the LAN when given an
 * advertiser, makes the invites (join links and QR codes) the host panel shows, reports its
 * status to listeners, and turns start failures into Result errors the UI offers a choice for (a
 * taken port → "any free port"). With `secure`, the room speaks https and wss with a self-signed
 * certificate kept in the data folder (host-certificate.ts), and its fingerprint goes into the
 * status, the join links and the announcement.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HostingStatus, HostOptions, Invite, Unsubscribe } from '../shared/api';
import { fail, ok, type Result } from '../shared/result';
import { SerialQueue } from '../shared/serial-queue';
import {
  ChatServerError,
  createChatServer,
  type ChatServer,
  type ChatServerOptions,
} from '../server/chat-server';
import type { RoomAdvertisement } from '../server/discovery';
import type { RoomAnnouncement } from '../shared/room-announcement';
import { createInvites } from './invites';
import { generateSelfSignedCertificate, type TlsCredentials } from '../server/tls';
import { keptHostCertificate } from './host-certificate';

export interface HostingServiceOptions {
  /** Address to bind; default every interface (`0.0.0.0`). Tests use `127.0.0.1`. */
  host?: string;
  /** Where the hosted room keeps its history (the app's data folder); none: memory only. */
  dataDir?: string | null;
  /** Starts the server; tests may inject options such as `webRoot`. Default createChatServer. */
  createServer?: (options: ChatServerOptions) => Promise<ChatServer>;
  /** Where unexpected errors are reported; default console.error. */
  onError?: (error: unknown) => void;
  /**
   * Announces a started room on the LAN (the app passes discovery's advertiseRoom). Default none:
   * nothing is announced, so tests never send multicast on the machine's network.
   */
  advertise?: ((room: RoomAnnouncement) => RoomAdvertisement) | null;
  /**
   * Makes the invites for the join URLs (with the certificate fingerprint of a secure room);
   * default createInvites (join link + QR code).
   */
  createInvites?: (urls: readonly string[], fingerprint: string | null) => Promise<Invite[]>;
  /**
   * Where the self-signed certificate of secure rooms is kept; default `<dataDir>/tls`. None (no
   * data folder either): one certificate made per HostingService, kept in memory.
   */
  certificateDir?: string | null;
}

export class HostingService {
  readonly #host: string;
  readonly #dataDir: string | null;
  readonly #createServer: (options: ChatServerOptions) => Promise<ChatServer>;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(status: HostingStatus) => void>();
  readonly #advertise: ((room: RoomAnnouncement) => RoomAdvertisement) | null;
  readonly #createInvites: (
    urls: readonly string[],
    fingerprint: string | null,
  ) => Promise<Invite[]>;
  readonly #certificateDir: string | null;
  /** The certificate made when there is no folder to keep it in. */
  #certificate: Promise<TlsCredentials> | null = null;
  #server: ChatServer | null = null;
  #invites: Invite[] = [];
  #advertisement: RoomAdvertisement | null = null;
  /** Start and stop run one at a time, in the order they were asked for. */
  readonly #startsAndStops = new SerialQueue();

  constructor(options: HostingServiceOptions = {}) {
    this.#host = options.host ?? '0.0.0.0';
    this.#dataDir = options.dataDir ?? null;
    this.#createServer = options.createServer ?? createChatServer;
    this.#onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
    this.#advertise = options.advertise ?? null;
    this.#createInvites =
      options.createInvites ?? ((urls, fingerprint) => createInvites(urls, fingerprint));
    this.#certificateDir =
      options.certificateDir === undefined
        ? this.#dataDir && join(this.#dataDir, 'tls')
        : options.certificateDir;
  }

  status(): HostingStatus {
    const server = this.#server;
    if (!server) return { running: false, port: null, urls: [], invites: [], advertised: null };
    const advertisement = this.#advertisement;
    return {
      running: true,
      port: server.port,
      urls: [...server.urls],
      invites: [...this.#invites],
      passphraseRequired: server.passphraseRequired,
      fingerprint: server.fingerprint,
      advertised: advertisement
        ? {
            id: advertisement.id,
            roomName: advertisement.roomName,
            hostNickname: advertisement.hostNickname,
          }
        : null,
    };
  }

  /** True for the announcement id of the room being hosted (to mark it in the room list). */
  isOwnRoom(id: string): boolean {
    return this.#advertisement?.id === id;
  }

  onStatus(listener: (status: HostingStatus) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts hosting on `port` (0 = any free port). Already hosting: reports where. */
  start(options: HostOptions): Promise<Result<{ status: HostingStatus }>> {
    return this.#startsAndStops.run(async () => {
      const running = this.#server;
      if (running) {
        if (options.port === 0 || options.port === running.port) {
          return ok({ status: this.status() });
        }
        return fail(
          'port_unavailable',
          `Already hosting on port ${running.port}. Stop hosting first to use another port.`,
        );
      }
      let tls: TlsCredentials | null = null;
      if (options.secure) {
        try {
          tls = await this.#hostCertificate();
        } catch (error) {
          this.#onError(error);
          return fail(
            'data_unavailable',
            `Could not prepare the certificate for an encrypted connection: ${messageOf(error)}`,
          );
        }
      }
      let server: ChatServer;
      try {
        server = await this.#createServer({
          host: this.#host,
          port: options.port,
          dataDir: this.#dataDir,
          onError: this.#onError,
          passphrase: options.passphrase ? options.passphrase : null,
          tls,
        });
      } catch (error) {
        if (error instanceof ChatServerError) return fail(error.code, error.message);
        this.#onError(error);
        return fail('internal', `Could not start hosting: ${messageOf(error)}`);
      }
      this.#server = server;
      // Invites and the announcement are extras: without them, the room still runs.
      try {
        this.#invites = await this.#createInvites(server.urls, server.fingerprint);
      } catch (error) {
        this.#onError(error);
        this.#invites = [];
      }
      if (this.#advertise && options.advertise !== false) {
        const hostNickname = options.hostNickname?.trim() ?? '';
        const roomName =
          options.roomName?.trim() || (hostNickname ? `${hostNickname}'s room` : hostname());
        try {
          this.#advertisement = this.#advertise({
            port: server.port,
            roomName,
            hostNickname,
            passphraseRequired: server.passphraseRequired,
            fingerprint: server.fingerprint,
          });
        } catch (error) {
          this.#onError(error);
        }
      }
      this.#notify();
      return ok({ status: this.status() });
    });
  }

  /** Removes someone from the hosted room (see ChatServer.kick). */
  kick(userId: string): Result {
    const server = this.#server;
    if (!server) return fail('unsupported', 'Not hosting a room.');
    return server.kick(userId);
  }

  /** Stops hosting: clients are told the server is closing, then disconnected. */
  stop(): Promise<Result<{ status: HostingStatus }>> {
    return this.#startsAndStops.run(async () => {
      const server = this.#server;
      if (!server) return ok({ status: this.status() });
      const advertisement = this.#advertisement;
      this.#server = null;
      this.#advertisement = null;
      this.#invites = [];
      try {
        // The goodbye first, so that nobody nearby tries to join a room that is closing.
        await advertisement?.stop();
        await server.close();
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#notify();
      }
      return ok({ status: this.status() });
    });
  }

  /** The kept certificate (the same one every run, so pinned fingerprints stay valid). */
  #hostCertificate(): Promise<TlsCredentials> {
    const dir = this.#certificateDir;
    if (dir !== null) return keptHostCertificate(dir, { onError: this.#onError });
    this.#certificate ??= generateSelfSignedCertificate();
    // A failed attempt is not kept: the next start tries again.
    this.#certificate.catch(() => (this.#certificate = null));
    return this.#certificate;
  }

  #notify(): void {
    const status = this.status();
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
