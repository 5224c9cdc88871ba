/**
 * Connection against a bare Socket.IO server that the test drives: opening, the status and its
 * wording through drops and reconnections, handing each reconnection to the owner, and the ways a
 * connection ends for good.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { onCleanup, waitFor } from '../../tests/support/chat';
import type { ChatEvent, ConnectionStatus } from '../shared/api';
import { fail, ok, type Result } from '../shared/result';
import { Connection, type ConnectionOptions, type ParleyClientSocket } from './connection';
import { bareServer, type Peer } from '../../tests/support/bare-server';

/** A server that accepts every connection and keeps its side of each in `peers`. */
async function serverKeepingPeers() {
  const peers: Peer[] = [];
  const { url } = await bareServer((peer) => void peers.push(peer));
  return { url, peers };
}

function connection(options: Partial<ConnectionOptions> = {}) {
  const events: ChatEvent[] = [];
  const listened: ParleyClientSocket[] = [];
  const rejoined: ParleyClientSocket[] = [];
  let ended = 0;
  const subject = new Connection({
    connectTimeoutMs: 2_000,
    reconnectDelayMs: 50,
    reconnectDelayMaxMs: 200,
    secureTransport: null,
    emit: (event) => events.push(event),
    listen: (socket) => void listened.push(socket),
    rejoin: async (socket) => {
      rejoined.push(socket);
      return ok({});
    },
    ended: () => void ended++,
    ...options,
  });
  onCleanup(() => {
    if (subject.socket) subject.teardown(subject.socket);
  });
  const statuses = () => events.flatMap((event) => (event.type === 'status' ? [event.status] : []));
  return { subject, events, statuses, listened, rejoined, endings: () => ended };
}

async function opened(subject: Connection, url: string): Promise<ParleyClientSocket> {
  const result = await subject.open(url, {});
  if (!result.ok) throw new Error(result.error.message);
  return result.socket;
}

describe('Connection', () => {
  it('opens, says when the connection drops, and hands every reconnection to the owner', async () => {
    const { url, peers } = await serverKeepingPeers();
    const { subject, statuses, listened, rejoined } = connection();
    const socket = await opened(subject, url);
    expect(subject.socket).toBe(socket);
    expect(listened).toEqual([socket]);

    peers[0]!.conn.close();
    await waitFor(() => rejoined.length === 1, 'the rejoin');
    expect(rejoined).toEqual([socket]);
    expect(listened).toHaveLength(1);
    const reasons = statuses().map((status) => `${status.state}: ${status.reason}`);
    expect(reasons[0]).toBe('reconnecting: Connection to the server was lost.');
    expect(reasons[1]).toBe(
      'reconnecting: Connection to the server was lost. Reconnecting (attempt 1)…',
    );
    // Connected again is the owner's to say, once it has rejoined.
    expect(subject.status.state).toBe('reconnecting');
  });

  it('ends the connection when the rejoin is refused, with the refusal as the reason', async () => {
    const { url, peers } = await serverKeepingPeers();
    const { subject, endings } = connection({
      rejoin: async (): Promise<Result> => fail('nickname_taken', 'Someone took your nickname.'),
    });
    await opened(subject, url);
    peers[0]!.conn.close();
    await waitFor(() => endings() === 1, 'the end');
    expect(subject.status).toEqual<ConnectionStatus>({
      state: 'disconnected',
      url,
      reason: 'Someone took your nickname.',
    });
    expect(subject.socket).toBeNull();
  });

  it('ends for good when the server ends the connection or the session', async () => {
    const { url, peers } = await serverKeepingPeers();
    const first = connection();
    await opened(first.subject, url);
    peers[0]!.disconnect(true);
    await waitFor(() => first.endings() === 1, 'the end');
    expect(first.subject.status).toEqual({
      state: 'disconnected',
      url,
      reason: 'The server ended the connection.',
    });

    const second = connection();
    await opened(second.subject, url);
    peers[1]!.emit('session:ended', { code: 'kicked', message: 'The host removed you.' });
    await waitFor(() => second.endings() === 1, 'the end');
    expect(second.subject.status.reason).toBe('The host removed you.');
    expect(second.subject.socket).toBeNull();
  });

  it('names a drop after the server shutting down, when it said so', async () => {
    const { url, peers } = await serverKeepingPeers();
    const { subject, events, rejoined } = connection();
    await opened(subject, url);
    peers[0]!.emit('server:closing', { reason: 'The host is shutting down.' });
    await waitFor(() => events.some((event) => event.type === 'notice'), 'the notice');
    peers[0]!.conn.close();
    await waitFor(() => rejoined.length === 1, 'the rejoin');
    expect(events.filter((event) => event.type !== 'status')).toEqual([
      { type: 'notice', text: 'The host is shutting down. Parley will reconnect when it is back.' },
    ]);
    expect(subject.status.reason).toBe('The server shut down. Reconnecting (attempt 1)…');
  });

  it('says in words that nothing answers, instead of retrying', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const { subject, statuses } = connection();
    const result = await subject.open(closed, {});
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'unreachable', message: /Nothing is answering/ },
    });
    expect(statuses()).toEqual([
      { state: 'disconnected', url: closed, reason: expect.stringMatching(/Nothing is answering/) },
    ]);
    expect(subject.socket).toBeNull();
  });

  it('asks how to trust https servers only, and reports a refusal', async () => {
    const asked: Array<[string, string | null]> = [];
    const { subject, statuses } = connection({
      secureTransport: async (url, fingerprint) => {
        asked.push([url, fingerprint]);
        return fail('certificate_changed', 'This is not the certificate you trusted.');
      },
    });
    expect(await subject.trust('http://192.0.2.1:4321', false, null)).toEqual({
      ok: true,
      transport: {},
    });
    expect(await subject.trust('https://192.0.2.1:4321', true, 'AB:CD')).toMatchObject({
      ok: false,
      error: { code: 'certificate_changed' },
    });
    expect(asked).toEqual([['https://192.0.2.1:4321', 'AB:CD']]);
    expect(statuses()).toEqual([
      {
        state: 'disconnected',
        url: 'https://192.0.2.1:4321',
        reason: 'This is not the certificate you trusted.',
      },
    ]);
  });
});
