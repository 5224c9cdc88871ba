/**
 * PinnedMessages over a stand-in chat API whose server list and events the test controls: once
 * loaded, the list follows the room's change entries (pins, unpins, edits, deletes) without
 * asking the server again, except for a pin of a message this client does not hold.
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../shared/api';
import type { ChatMessage, MessageChange, User } from '../../../shared/protocol';
import { fail, ok, type Result } from '../../../shared/result';
import { PinnedMessages } from './pinned-messages.svelte';

const alice: User = { id: 'p-alice', nickname: 'alice' };
const bob: User = { id: 'p-bob', nickname: 'bob' };

const message = (id: number, extra: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  clientId: `c${id}`,
  room: 'lobby',
  author: alice,
  text: `text ${id}`,
  sentAt: id,
  ...extra,
});
const pinnedBy = (by: User, at: number) => ({ pinned: { by, at } });

/** The change entry `id` of `room`, made by `author`. */
const entry = (id: number, change: MessageChange, room = 'lobby', author = bob): ChatMessage => ({
  ...message(id, { room, author, text: '' }),
  change,
});

function setup(serverPins: ChatMessage[], held: ChatMessage[] = []) {
  const listeners = new Set<(event: ChatEvent) => void>();
  let room = 'lobby';
  let asked = 0;
  let answer = (): Result<{ messages: ChatMessage[] }> => ok({ messages: [...serverPins] });
  const pins = new PinnedMessages({
    chat: {
      pinnedMessages: async () => {
        asked++;
        return answer();
      },
      onEvent: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    room: () => room,
    held: (inRoom, id) =>
      held.find((candidate) => candidate.room === inRoom && candidate.id === id),
  });
  const stop = pins.start();
  return {
    pins,
    stop,
    emit: (event: ChatEvent) => listeners.forEach((listener) => listener(event)),
    change: (entryMessage: ChatMessage) =>
      listeners.forEach((listener) => listener({ type: 'message', message: entryMessage })),
    asked: () => asked,
    showRoom: (next: string) => (room = next),
    answerWith: (next: typeof answer) => (answer = next),
  };
}

describe('PinnedMessages', () => {
  it('is null until loaded, then lists the server’s pins', async () => {
    const { pins } = setup([message(3, pinnedBy(alice, 10))]);
    expect(pins.messages).toBeNull();
    await pins.load();
    expect(pins.messages?.map((pin) => pin.id)).toEqual([3]);
    expect(pins.error).toBeNull();
  });

  it('adds a held message pinned live, in order, and drops it when unpinned or deleted', async () => {
    const held = [message(2), message(5), message(8, pinnedBy(alice, 9))];
    const { pins, change, asked } = setup([message(8, pinnedBy(alice, 9))], held);
    await pins.load();

    // The room applied the pin already or not: either way it is listed, by id.
    change(entry(20, { kind: 'pin', target: 5, pinned: true }));
    held[0] = { ...message(2), ...pinnedBy(bob, 21), revision: 21 };
    change(entry(21, { kind: 'pin', target: 2, pinned: true }));
    expect(pins.messages?.map((pin) => [pin.id, pin.pinned?.by.nickname])).toEqual([
      [2, 'bob'],
      [5, 'bob'],
      [8, 'alice'],
    ]);

    // An edit of a listed message shows in the list.
    change(entry(22, { kind: 'edit', target: 5, text: 'new words' }, 'lobby', alice));
    expect(pins.messages?.find((pin) => pin.id === 5)?.text).toBe('new words');

    change(entry(23, { kind: 'pin', target: 8, pinned: false }));
    change(entry(24, { kind: 'delete', target: 2 }, 'lobby', alice));
    expect(pins.messages?.map((pin) => pin.id)).toEqual([5]);
    // All from the events: the server was asked once, when loading.
    expect(asked()).toBe(1);
  });

  it('applies a batch in order: pinned then unpinned in one catch-up is not listed', async () => {
    const { pins, emit } = setup([], [message(4)]);
    await pins.load();
    emit({
      type: 'history',
      room: 'lobby',
      hasOlder: false,
      messages: [
        entry(31, { kind: 'pin', target: 4, pinned: false }),
        entry(30, { kind: 'pin', target: 4, pinned: true }),
      ],
    });
    expect(pins.messages).toEqual([]);
  });

  it('asks the server again for a pin of a message this client does not hold', async () => {
    const serverPins: ChatMessage[] = [];
    const { pins, change, asked } = setup(serverPins);
    await pins.load();
    serverPins.push(message(1, pinnedBy(bob, 40)));
    change(entry(40, { kind: 'pin', target: 1, pinned: true }));
    await expect.poll(() => pins.messages?.map((pin) => pin.id)).toEqual([1]);
    expect(asked()).toBe(2);
  });

  it('ignores other rooms’ changes, and shows nothing for a room it has not loaded', async () => {
    const held = [message(6, { room: 'design' })];
    const { pins, change, showRoom } = setup([], held);
    await pins.load();
    change(entry(50, { kind: 'pin', target: 6, pinned: true }, 'design'));
    expect(pins.messages).toEqual([]);
    showRoom('design');
    expect(pins.messages).toBeNull();
  });

  it('keeps the list as it was when the server refuses, and says why', async () => {
    const { pins, answerWith } = setup([message(3, pinnedBy(alice, 10))]);
    await pins.load();
    answerWith(() => fail('not_joined', 'You are not in that room.'));
    await pins.load();
    expect(pins.error).toBe('You are not in that room.');
    expect(pins.messages?.map((pin) => pin.id)).toEqual([3]);
  });

  it('stops following once its disposer is called', async () => {
    const { pins, change, stop } = setup([], [message(7)]);
    await pins.load();
    stop();
    change(entry(60, { kind: 'pin', target: 7, pinned: true }));
    expect(pins.messages).toEqual([]);
  });
});
