/** ChatClient and moderation, against a real server: the admin token, roles shown, removing. */
import { describe, expect, it } from 'vitest';
import { client, startServer, urlOf, waitFor } from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';

describe('ChatClient moderation', () => {
  it('sends the admin token with the first join only: a rejoin goes without it and stays admin', async () => {
    const server = await startServer({ hostIsAdmin: false, isHostAddress: () => false });
    const admin = client();
    const joined = await admin.connect(urlOf(server), 'ann', {
      adminToken: await server.newAdminToken(),
    });
    expect(joined).toMatchObject({
      ok: true,
      session: { self: { nickname: 'ann', role: 'admin' } },
    });

    // The connection drops; the rejoin would be refused if it sent the used token again.
    for (const socket of server.io.sockets.sockets.values()) socket.conn.close();
    await waitFor(() => admin.status.state === 'reconnecting', 'the drop');
    await waitFor(() => admin.status.state === 'connected', 'the rejoin');
    expect(admin.session?.self.role).toBe('admin');
  });

  it('makes a moderator (everyone is told) and removes someone for the time asked', async () => {
    const server = await startServer({ hostIsAdmin: false, isHostAddress: () => false });
    const admin = client();
    await admin.connect(urlOf(server), 'ann', { adminToken: await server.newAdminToken() });
    const bob = client();
    const bobJoined = await bob.connect(urlOf(server), 'bob');
    if (!bobJoined.ok) throw new Error(bobJoined.error.message);
    const bobId = bobJoined.session.self.id;
    const seen: ChatEvent[] = [];
    bob.onEvent((event) => seen.push(event));

    expect(await admin.moderate({ action: 'set-role', userId: bobId, role: 'moderator' })).toEqual({
      ok: true,
      user: { id: bobId, nickname: 'bob', role: 'moderator' },
    });
    await waitFor(
      () =>
        seen.some((event) => event.type === 'person-updated' && event.user.role === 'moderator'),
      'bob to hear he is a moderator',
    );
    // Checked before sending, as the server would.
    for (const minutes of [0, 1.5]) {
      expect(await admin.moderate({ action: 'remove', userId: bobId, minutes })).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload' },
      });
    }
    expect(bob.status.state).toBe('connected');
    expect(await admin.moderate({ action: 'remove', userId: bobId, minutes: 10 })).toMatchObject({
      ok: true,
    });
    await waitFor(() => bob.status.state === 'disconnected', 'the removal');
    expect(bob.status.reason).toBe('ann removed you from the room for 10 minutes.');
  });

  it('says not_connected before joining', async () => {
    const lonely = client();
    expect(await lonely.moderate({ action: 'release-name', nickname: 'bob' })).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });
});
