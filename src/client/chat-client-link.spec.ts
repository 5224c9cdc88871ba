/**
 * ChatClient on two devices of one person, against a real server: a link code from one, the
 * other joining with it (and rejoining after a drop without it), read positions passed on.
 */
import { describe, expect, it } from 'vitest';
import { client, joinRaw, emitRaw, startServer, waitFor } from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';
import type { ChatMessage } from '../shared/protocol';

describe('ChatClient linking a device', () => {
  it('links a second device with a code, which rejoins without it, and passes read positions on', async () => {
    const server = await startServer();
    const address = `127.0.0.1:${server.port}`;
    const laptop = client();
    const first = await laptop.connect(address, 'alice');
    if (!first.ok) throw new Error(first.error.message);
    const code = await laptop.linkCode();
    if (!code.ok) throw new Error(code.error.message);

    const phone = client();
    const reads: Array<Extract<ChatEvent, { type: 'read' }>> = [];
    phone.onEvent((event) => {
      if (event.type === 'read') reads.push(event);
    });
    const second = await phone.connect(address, 'alice', { link: code.code.toLowerCase() });
    expect(second).toMatchObject({ ok: true, session: { self: first.session.self } });

    // bob writes to alice; her laptop reads it; the phone hears how far.
    const bob = await joinRaw(server, 'bob');
    const opened = await emitRaw(bob, 'dm:open', { nickname: 'alice' });
    const room = (opened as unknown as { room: { id: string } }).room.id;
    const sent = await emitRaw(bob, 'message:send', { room, clientId: 'hello', text: 'hello' });
    const message = (sent as unknown as { message: ChatMessage }).message;
    expect(await laptop.markRead(room, message.id)).toEqual({ ok: true, room, id: message.id });
    await waitFor(() => reads.length === 1, 'the read position on the phone');
    expect(reads[0]).toEqual({ type: 'read', room, id: message.id });

    // The phone's connection drops: it rejoins as alice, without the code (used up by now).
    const aliceSockets = () =>
      [...server.io.sockets.sockets.values()].filter(
        (socket) => socket.data.user?.id === first.session.self.id,
      );
    // Sockets in the order they connected: the laptop's, then the phone's.
    const phoneSocket = aliceSockets()[1]!;
    const statuses: string[] = [];
    phone.onEvent((event) => {
      if (event.type === 'status') statuses.push(event.status.state);
    });
    phoneSocket.conn.close();
    await waitFor(
      () => statuses.includes('reconnecting') && phone.status.state === 'connected',
      'the phone to rejoin',
    );
    expect(aliceSockets().map((socket) => socket.id)).not.toContain(phoneSocket.id);
    expect(aliceSockets()).toHaveLength(2);
    expect(phone.session?.self).toEqual(first.session.self);
    expect(phone.session?.readPositions).toEqual({ [room]: message.id });
  });

  it('says not_connected for a link code or a read position before joining', async () => {
    const idle = client();
    expect(await idle.linkCode()).toMatchObject({ ok: false, error: { code: 'not_connected' } });
    expect(await idle.markRead('lobby', 1)).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });
});
