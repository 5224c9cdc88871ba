/**
 * HostingService ("Host a room") against real servers and real clients: starting and stopping,
 * announcing the room on the LAN, TLS with a kept certificate and pinning, the passphrase and
 * removing people. Long (over 400 lines): each part of hosting is one describe block over the
 * same fixtures, and they read better together than split across files.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../client/chat-client';
import { pinningTransport, type CertificatePins } from '../client/node/certificate-pin';
import type { ChatEvent, HostingStatus } from '../shared/api';
import { createChatServer, type ChatServerOptions } from '../server/chat-server';
import type { RoomAdvertisement } from '../server/discovery';
import type { RoomAnnouncement } from '../shared/room-announcement';
import { certificateFingerprint } from '../server/tls';
import { buildJoinLink } from '../shared/join-link';
import { HostingService } from './hosting-service';

const NOT_RUNNING: HostingStatus = {
  running: false,
  port: null,
  urls: [],
  invites: [],
  advertised: null,
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** A service on loopback that serves no web client (the tests do not need a build). */
function service(): HostingService {
  const hosting = new HostingService({
    host: '127.0.0.1',
    createServer: (options) => createChatServer({ ...options, webRoot: null }),
    onError: () => undefined,
  });
  cleanups.push(() => hosting.stop());
  return hosting;
}

function occupyPort(): Promise<{ port: number; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      cleanups.push(() => new Promise((done) => server.close(done)));
      resolve({ port: address.port, server });
    });
  });
}

async function isListening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}

describe('HostingService', () => {
  it('is not hosting until started', () => {
    expect(service().status()).toEqual(NOT_RUNNING);
  });

  it('starts on any free port and reports where people can join', async () => {
    const hosting = service();
    const seen: HostingStatus[] = [];
    hosting.onStatus((status) => seen.push(status));

    const started = await hosting.start({ port: 0 });

    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const port = started.status.port;
    expect(port).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${port}`;
    expect(started.status).toEqual({
      running: true,
      port,
      urls: [url],
      invites: [
        {
          url,
          joinLink: buildJoinLink(url),
          qrSvg: expect.stringMatching(/^<svg /),
          qrDataUrl: expect.stringMatching(/^data:image\/svg\+xml;base64,/),
        },
      ],
      // No advertiser given: nothing announced (tests never send multicast here).
      advertised: null,
      passphraseRequired: false,
      // Plain http: no certificate.
      fingerprint: null,
    });
    expect(hosting.status()).toEqual(started.status);
    expect(seen).toEqual([started.status]);
    expect(await isListening(port!)).toBe(true);
  });

  it('answers a repeated start with the room already running', async () => {
    const hosting = service();
    const first = await hosting.start({ port: 0 });
    const again = await hosting.start({ port: 0 });
    expect(again).toEqual(first);
  });

  it('refuses another port while hosting', async () => {
    const hosting = service();
    const first = await hosting.start({ port: 0 });
    if (!first.ok) throw new Error('did not start');
    const { port: otherPort } = await occupyPort();

    const other = await hosting.start({ port: otherPort });

    expect(other).toEqual({
      ok: false,
      error: {
        code: 'port_unavailable',
        message: `Already hosting on port ${first.status.port}. Stop hosting first to use another port.`,
      },
    });
  });

  it('reports a taken port as port_in_use, so the UI can offer any free port', async () => {
    const { port } = await occupyPort();
    const hosting = service();
    const seen: HostingStatus[] = [];
    hosting.onStatus((status) => seen.push(status));

    const taken = await hosting.start({ port });

    expect(taken).toEqual({
      ok: false,
      error: { code: 'port_in_use', message: `Port ${port} is already in use by another program.` },
    });
    expect(hosting.status().running).toBe(false);
    expect(seen).toEqual([]);
    const anyPort = await hosting.start({ port: 0 });
    expect(anyPort.ok).toBe(true);
  });

  it('reports an impossible port as port_unavailable', async () => {
    const result = await service().start({ port: 70_000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('port_unavailable');
  });

  it('stops: tells connected clients, stops listening and reports it', async () => {
    const hosting = service();
    const started = await hosting.start({ port: 0 });
    if (!started.ok) throw new Error('did not start');
    const port = started.status.port!;
    const client = new ChatClient({ reconnectDelayMs: 60_000, reconnectDelayMaxMs: 60_000 });
    cleanups.push(() => client.disconnect());
    const events: ChatEvent[] = [];
    client.onEvent((event) => events.push(event));
    expect((await client.connect(`127.0.0.1:${port}`, 'guest')).ok).toBe(true);
    const seen: HostingStatus[] = [];
    hosting.onStatus((status) => seen.push(status));

    const stopped = await hosting.stop();

    expect(stopped).toEqual({ ok: true, status: NOT_RUNNING });
    expect(seen).toEqual([NOT_RUNNING]);
    expect(await isListening(port)).toBe(false);
    await expect.poll(() => events.some((event) => event.type === 'notice')).toBe(true);
    expect(await hosting.stop()).toEqual(stopped);
  });

  it('runs start and stop in the order they were asked for', async () => {
    const hosting = service();
    const [started, stopped] = await Promise.all([hosting.start({ port: 0 }), hosting.stop()]);
    expect(started.ok).toBe(true);
    expect(stopped).toEqual({ ok: true, status: NOT_RUNNING });
    expect(hosting.status().running).toBe(false);
  });

  it('gives the server its data folder and bind address', async () => {
    const seen: ChatServerOptions[] = [];
    const hosting = new HostingService({
      dataDir: '/data/parley',
      createServer: (options) => {
        seen.push(options);
        return createChatServer({ ...options, host: '127.0.0.1', dataDir: null, webRoot: null });
      },
    });
    cleanups.push(() => hosting.stop());
    await hosting.start({ port: 0 });
    expect(seen).toEqual([
      expect.objectContaining({ host: '0.0.0.0', port: 0, dataDir: '/data/parley' }),
    ]);
  });

  it('keeps notifying other listeners when one unsubscribes', async () => {
    const hosting = service();
    const kept: HostingStatus[] = [];
    const dropped: HostingStatus[] = [];
    hosting.onStatus((status) => kept.push(status));
    const unsubscribe = hosting.onStatus((status) => dropped.push(status));
    unsubscribe();
    await hosting.start({ port: 0 });
    expect(kept).toHaveLength(1);
    expect(dropped).toHaveLength(0);
  });
});

describe('HostingService announcing the room (LAN discovery)', () => {
  /** A stand-in advertiser: records what would be announced, sends nothing. */
  function fakeAdvertiser() {
    const log: string[] = [];
    const rooms: RoomAnnouncement[] = [];
    const advertise = (room: RoomAnnouncement): RoomAdvertisement => {
      rooms.push(room);
      log.push(`announce ${room.roomName}`);
      return {
        id: `id-${rooms.length}`,
        roomName: room.roomName,
        hostNickname: room.hostNickname,
        stop: async () => {
          log.push('goodbye');
        },
      };
    };
    return { advertise, rooms, log };
  }

  function announcing(advertise: (room: RoomAnnouncement) => RoomAdvertisement) {
    const log: string[] = [];
    const hosting = new HostingService({
      host: '127.0.0.1',
      advertise,
      createServer: async (options) => {
        const server = await createChatServer({ ...options, webRoot: null });
        return {
          ...server,
          urls: server.urls,
          close: async () => {
            log.push('server closed');
            await server.close();
          },
        } as typeof server;
      },
      onError: () => undefined,
    });
    cleanups.push(() => hosting.stop());
    return { hosting, log };
  }

  it('announces the room with the host nickname, and says goodbye before closing', async () => {
    const fake = fakeAdvertiser();
    const { hosting, log } = announcing(fake.advertise);
    const started = await hosting.start({ port: 0, hostNickname: ' alice ' });
    if (!started.ok) throw new Error('did not start');
    expect(fake.rooms).toEqual([
      {
        port: started.status.port,
        roomName: "alice's room",
        hostNickname: 'alice',
        passphraseRequired: false,
        fingerprint: null,
      },
    ]);
    expect(started.status.advertised).toEqual({
      id: 'id-1',
      roomName: "alice's room",
      hostNickname: 'alice',
    });
    expect(hosting.isOwnRoom('id-1')).toBe(true);
    expect(hosting.isOwnRoom('someone-else')).toBe(false);

    await hosting.stop();
    expect([...fake.log, ...log]).toEqual(["announce alice's room", 'goodbye', 'server closed']);
    expect(hosting.isOwnRoom('id-1')).toBe(false);
    expect(hosting.status()).toEqual(NOT_RUNNING);
  });

  it('uses the room name given, and announces nothing when asked not to', async () => {
    const fake = fakeAdvertiser();
    const { hosting } = announcing(fake.advertise);
    await hosting.start({ port: 0, roomName: 'Physics lab', hostNickname: 'bob' });
    expect(fake.rooms.map((room) => room.roomName)).toEqual(['Physics lab']);
    await hosting.stop();

    const started = await hosting.start({ port: 0, advertise: false });
    expect(started.ok && started.status.advertised).toBeNull();
    expect(fake.rooms).toHaveLength(1);
  });

  it('keeps hosting when announcing fails', async () => {
    const { hosting } = announcing(() => {
      throw new Error('no multicast here');
    });
    const started = await hosting.start({ port: 0 });
    expect(started.ok).toBe(true);
    expect(started.ok && started.status).toMatchObject({ running: true, advertised: null });
  });
});

describe('HostingService with an encrypted connection (secure)', () => {
  /** A service on loopback keeping its data (and certificate) in `dataDir`. */
  function secureService(dataDir: string, advertise?: (room: RoomAnnouncement) => void) {
    const hosting = new HostingService({
      host: '127.0.0.1',
      dataDir,
      createServer: (options) => createChatServer({ ...options, webRoot: null }),
      advertise:
        advertise &&
        ((room) => {
          advertise(room);
          return { id: 'id-1', roomName: room.roomName, hostNickname: '', stop: async () => {} };
        }),
      onError: () => undefined,
    });
    cleanups.push(() => hosting.stop());
    return hosting;
  }

  const tempDir = () => mkdtempSync(join(tmpdir(), 'parley-hosting-tls-'));

  it('serves https with a self-signed certificate whose fingerprint the status, links and announcement carry', async () => {
    const announced: RoomAnnouncement[] = [];
    const hosting = secureService(tempDir(), (room) => announced.push(room));

    const started = await hosting.start({ port: 0, secure: true, hostNickname: 'ann' });

    if (!started.ok) throw new Error(started.error.message);
    const { fingerprint, port } = started.status;
    expect(fingerprint).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    const url = `https://127.0.0.1:${port}`;
    expect(started.status.urls).toEqual([url]);
    expect(started.status.invites?.map((invite) => invite.joinLink)).toEqual([
      buildJoinLink(url, fingerprint!),
    ]);
    expect(announced).toMatchObject([{ port, fingerprint }]);

    // Someone who follows the join link joins over wss, pinned to that fingerprint.
    const chat = new ChatClient({ secureTransport: pinningTransport(memoryPins()) });
    cleanups.push(() => chat.disconnect());
    const joined = await chat.connect(url, 'bo', { fingerprint });
    expect(joined.ok).toBe(true);
  });

  it('keeps its certificate: the same fingerprint after hosting again and after an app restart', async () => {
    const dataDir = tempDir();
    const hosting = secureService(dataDir);
    const first = await hosting.start({ port: 0, secure: true });
    if (!first.ok) throw new Error(first.error.message);
    await hosting.stop();
    const again = await hosting.start({ port: 0, secure: true });
    await hosting.stop();

    const afterRestart = await secureService(dataDir).start({ port: 0, secure: true });

    expect(again.ok && again.status.fingerprint).toBe(first.status.fingerprint);
    expect(afterRestart.ok && afterRestart.status.fingerprint).toBe(first.status.fingerprint);
    // Kept in the data folder, the key readable by this user only.
    const tls = join(dataDir, 'tls');
    expect(readdirSync(tls).sort()).toEqual(['certificate.pem', 'key.pem']);
    expect(statSync(join(tls, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(certificateFingerprint(readFileSync(join(tls, 'certificate.pem'), 'utf8'))).toBe(
      first.status.fingerprint,
    );
  });

  it('hosts plain http unless asked, and says so when no certificate can be kept', async () => {
    const plain = await secureService(tempDir()).start({ port: 0 });
    expect(plain.ok && plain.status).toMatchObject({ fingerprint: null });
    expect(plain.ok && plain.status.urls[0]).toMatch(/^http:\/\//);

    // The data folder is a file: nothing can be written under it.
    const notAFolder = join(tempDir(), 'data');
    writeFileSync(notAFolder, '');
    const hosting = secureService(notAFolder);
    const refused = await hosting.start({ port: 0, secure: true });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'data_unavailable',
        message: expect.stringMatching(
          /^Could not prepare the certificate for an encrypted connection: /,
        ),
      },
    });
    expect(hosting.status().running).toBe(false);
  });
});

/** Certificate pins in memory (the app keeps them in a file: pinned-certificates.ts). */
function memoryPins(): CertificatePins {
  const pins = new Map<string, string>();
  return {
    get: (origin) => pins.get(origin) ?? null,
    set: async (origin, fingerprint) => void pins.set(origin, fingerprint),
  };
}

describe('HostingService: passphrase and removing people', () => {
  it('hosts with a passphrase: status and announcement say so, joins need it', async () => {
    const announced: RoomAnnouncement[] = [];
    const hosting = new HostingService({
      host: '127.0.0.1',
      createServer: (options) => createChatServer({ ...options, webRoot: null }),
      advertise: (room) => {
        announced.push(room);
        return {
          id: 'r1',
          roomName: room.roomName,
          hostNickname: '',
          stop: async () => {},
        } as never;
      },
      onError: () => undefined,
    });
    cleanups.push(() => hosting.stop());
    const started = await hosting.start({ port: 0, passphrase: 'open sesame' });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.status.passphraseRequired).toBe(true);
    expect(announced[0]?.passphraseRequired).toBe(true);

    const url = started.status.urls.find((candidate) => candidate.includes('127.0.0.1'))!;
    const guest = new ChatClient({ reconnectDelayMs: 50 });
    cleanups.push(() => guest.disconnect());
    expect(await guest.connect(url, 'guest')).toMatchObject({
      ok: false,
      error: { code: 'passphrase_required' },
    });
    const joined = await guest.connect(url, 'guest', { passphrase: 'open sesame' });
    expect(joined.ok).toBe(true);
    if (!joined.ok) return;

    // The host removes the guest.
    expect(hosting.kick(joined.session.self.id)).toMatchObject({ ok: true });
    await new Promise<void>((resolve) => {
      const check = () =>
        guest.status.state === 'disconnected' ? resolve() : setTimeout(check, 10);
      check();
    });
    expect(guest.status.reason).toBe('The host removed you from the room.');
    expect(hosting.kick(joined.session.self.id)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
  });

  it('cannot remove anyone when not hosting', () => {
    expect(service().kick('someone')).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });
});
