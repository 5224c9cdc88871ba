/**
 * Outbox against a bare Socket.IO server whose acknowledgements the test gives by hand: the order
 * of sending, what each kind of answer does to an entry, and keeping entries in a store.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/support/chat';
import type { ChatEvent, OutboxEntry, OutboxStore } from '../shared/api';
import { LOBBY } from '../shared/limits';
import type { ChatMessage, ClientToServerEvents } from '../shared/protocol';
import { fail, ok } from '../shared/result';
import { timedRequest } from './acked-request';
import { bareServer, chatMessage } from '../../tests/support/bare-server';
import { Outbox, type OutboxOptions } from './outbox';

type SendArguments = Parameters<ClientToServerEvents['message:send']>;
interface Received {
  payload: SendArguments[0];
  ack: SendArguments[1];
}

/** The message the server would store for a send. */
function stored({ payload }: Received, id: number): ChatMessage {
  return chatMessage(id, {
    clientId: payload.clientId,
    room: payload.room ?? LOBBY,
    text: payload.text,
  });
}

/** A connected socket whose `message:send`s wait in `received` until the test answers them. */
async function setUp(options: Partial<OutboxOptions> = {}) {
  const received: Received[] = [];
  const { connect } = await bareServer((peer) =>
    peer.on('message:send', (payload, ack) => received.push({ payload, ack })),
  );
  const socket = await connect();

  const state = { ready: true };
  const events: ChatEvent[] = [];
  const delivered: ChatMessage[] = [];
  const errors: unknown[] = [];
  let ids = 0;
  const outbox = new Outbox({
    request: timedRequest(5_000),
    createId: () => `id-${++ids}`,
    clock: () => 1_000,
    store: null,
    onError: (error) => errors.push(error),
    emit: (event) => events.push(event),
    sendingSocket: () => (state.ready ? socket : null),
    deliver: (message) => delivered.push(message),
    ...options,
  });
  return { outbox, received, state, events, delivered, errors };
}

/** A store in memory that records every save. */
function memoryStore(entries: OutboxEntry[] = []) {
  const saves: OutboxEntry[][] = [];
  const store: OutboxStore = {
    load: async () => entries,
    save: async (_key, saved) => void saves.push(saved),
  };
  return { store, saves };
}

const entry = (clientId: string, text: string): OutboxEntry => ({
  clientId,
  text,
  state: 'sending',
  error: null,
  createdAt: 1,
});

describe('Outbox', () => {
  it('sends one entry at a time, oldest first, and hands over what the server acknowledged', async () => {
    const { outbox, received, delivered, events } = await setUp();
    await outbox.load('server alice');
    expect(outbox.post('first', LOBBY)).toMatchObject({ ok: true, entry: { clientId: 'id-1' } });
    outbox.post('second', 'room-2');
    outbox.post('third', LOBBY);

    for (const [index, text] of ['first', 'second', 'third'].entries()) {
      await waitFor(() => received.length === index + 1, `"${text}" to be sent`);
      // The next entry goes only after this one's acknowledgement.
      expect(received.map((sent) => sent.payload.text)).toEqual(
        ['first', 'second', 'third'].slice(0, index + 1),
      );
      received[index]!.ack(ok({ message: stored(received[index]!, index + 1) }));
    }
    await waitFor(() => outbox.entries.length === 0, 'the outbox to empty');
    expect(received.map((sent) => sent.payload)).toEqual([
      { clientId: 'id-1', text: 'first' },
      { room: 'room-2', clientId: 'id-2', text: 'second' },
      { clientId: 'id-3', text: 'third' },
    ]);
    expect(delivered.map((message) => message.id)).toEqual([1, 2, 3]);
    const sizes = events.flatMap((event) =>
      event.type === 'outbox' ? [event.entries.length] : [],
    );
    expect(sizes).toEqual([0, 1, 2, 3, 2, 1, 0]);
  });

  it('fails an entry on a refusal that sending again cannot fix; retry sends it again with the same clientId', async () => {
    const { outbox, received, delivered } = await setUp();
    await outbox.load('server alice');
    outbox.post('into the void', 'gone');
    await waitFor(() => received.length === 1, 'the send');
    received[0]!.ack(fail('unknown_room', 'There is no such room.'));
    await waitFor(() => outbox.entries[0]?.state === 'failed', 'the entry to fail');
    expect(outbox.entries[0]?.error).toEqual({
      code: 'unknown_room',
      message: 'There is no such room.',
    });

    expect(outbox.retry('id-1')).toEqual({ ok: true });
    expect(outbox.entries[0]).toMatchObject({ state: 'sending', error: null });
    await waitFor(() => received.length === 2, 'the second send');
    expect(received[1]!.payload.clientId).toBe('id-1');
    received[1]!.ack(ok({ message: stored(received[1]!, 7) }));
    await waitFor(() => outbox.entries.length === 0, 'the outbox to empty');
    expect(delivered.map((message) => message.id)).toEqual([7]);
    expect(outbox.retry('id-1')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('sends again with the same clientId when the acknowledgement does not come in time', async () => {
    const { outbox, received, delivered } = await setUp({ request: timedRequest(100) });
    await outbox.load('server alice');
    outbox.post('are you there?', LOBBY);
    await waitFor(() => received.length === 2, 'the send after the timeout');
    expect(received.map((sent) => sent.payload.clientId)).toEqual(['id-1', 'id-1']);
    received[1]!.ack(ok({ message: stored(received[1]!, 1) }));
    await waitFor(() => outbox.entries.length === 0, 'the outbox to empty');
    expect(delivered).toHaveLength(1);
  });

  it('keeps the entry on its way to the server; discards the others', async () => {
    const { outbox, received } = await setUp();
    await outbox.load('server alice');
    outbox.post('on its way', LOBBY);
    outbox.post('still waiting', LOBBY);
    await waitFor(() => received.length === 1, 'the send');
    expect(outbox.discard('id-1')).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'That message is being sent right now.' },
    });
    expect(outbox.discard('id-2')).toEqual({ ok: true });
    expect(outbox.entries.map((waiting) => waiting.text)).toEqual(['on its way']);
    received[0]!.ack(ok({ message: stored(received[0]!, 1) }));
    await waitFor(() => outbox.entries.length === 0, 'the outbox to empty');
    expect(received).toHaveLength(1);
  });

  it('waits while the connection cannot send, and sends when flushed again', async () => {
    const { outbox, received, state } = await setUp();
    state.ready = false;
    await outbox.load('server alice');
    outbox.post('later', LOBBY);
    await outbox.flush();
    expect(received).toHaveLength(0);
    expect(outbox.entries.map((waiting) => waiting.state)).toEqual(['sending']);
    state.ready = true;
    void outbox.flush();
    await waitFor(() => received.length === 1, 'the send');
    expect(received[0]!.payload).toEqual({ clientId: 'id-1', text: 'later' });
  });

  it('refuses text the server would refuse, and posts before a server is chosen', async () => {
    const { outbox } = await setUp();
    expect(outbox.post('hello', LOBBY)).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
    await outbox.load('server alice');
    expect(outbox.post('x'.repeat(4_001), LOBBY)).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    outbox.forget();
    expect(outbox.post('hello', LOBBY)).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });

  it('takes up the stored entries and saves every change, in order', async () => {
    const { store, saves } = memoryStore([entry('kept', 'from last time')]);
    const { outbox, state } = await setUp({ store });
    state.ready = false;
    await outbox.load('server alice');
    expect(outbox.entries.map((waiting) => waiting.clientId)).toEqual(['kept']);
    outbox.post('new', LOBBY);
    outbox.discard('kept');
    await outbox.saved();
    expect(saves.map((saved) => saved.map((waiting) => waiting.clientId))).toEqual([
      ['kept', 'id-1'],
      ['id-1'],
    ]);
    // Leaving forgets the entries in memory, not in the store.
    outbox.forget();
    expect(outbox.entries).toEqual([]);
    await outbox.saved();
    expect(saves).toHaveLength(2);
  });

  it('reports a store that fails, and goes on', async () => {
    const broken: OutboxStore = {
      load: async () => Promise.reject(new Error('unreadable')),
      save: async () => Promise.reject(new Error('disk full')),
    };
    const { outbox, state, errors } = await setUp({ store: broken });
    state.ready = false;
    await outbox.load('server alice');
    expect(outbox.entries).toEqual([]);
    outbox.post('one', LOBBY);
    outbox.post('two', LOBBY);
    await outbox.saved();
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'unreadable',
      'disk full',
      'disk full',
    ]);
    expect(outbox.entries.map((waiting) => waiting.text)).toEqual(['one', 'two']);
  });
});
