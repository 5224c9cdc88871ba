import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient } from '../client/chat-client';
import type { ChatEvent, HostingStatus } from '../shared/api';
import { createChatServer, type ChatServerOptions } from '../server/chat-server';
import type { RoomAdvertisement, RoomAnnouncement } from '../server/discovery';
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
      { port: started.status.port, roomName: "alice's room", hostNickname: 'alice' },
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
