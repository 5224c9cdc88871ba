/**
 * Unread counts and notifications across rooms (AlertsState), fed ChatEvents. The desktop side —
 * Electron's notifications and badge, or the browser's Notification API — cannot run in these
 * specs: a stand-in records what would be shown, and window attention is passed in. The rules
 * themselves are notification-rules.ts, checked in notification-rules.spec.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { NotificationRequest, ParleyApi } from '../../../shared/api';
import type { ChatMessage, RoomInfo } from '../../../shared/protocol';
import type { NotificationPreferences } from '../../../shared/settings';
import { AlertsState } from './alerts-state.svelte';
import { alice, joinedRoom, lobbySession, message } from './chat-fixtures';
import type { SeenDirects } from './seen-directs';

const design: RoomInfo = { id: 'r-design', kind: 'room', name: 'Design', members: 2 };
const preferences: NotificationPreferences = {
  enabled: true,
  mentionsOnly: false,
  mutedRooms: [],
};

const joined = (messages: ChatMessage[]) => joinedRoom(design, messages);

/** The desktop side as a stand-in: notifications may always be shown; each goes into `shown`. */
function desktopRecording(shown: NotificationRequest[]): ParleyApi['desktop'] {
  return {
    notify: async (request) => {
      shown.push(request);
      return { ok: true };
    },
    setUnread: async () => ({ ok: true }),
    notificationPermission: async () => 'granted',
    requestNotificationPermission: async () => 'granted',
    onNotificationClick: () => () => {},
  };
}

/** An AlertsState whose window is in front of the person, recording notifications. */
function alerts(
  busy = () => false,
  seenDirects?: SeenDirects,
): { state: AlertsState; shown: NotificationRequest[] } {
  const shown: NotificationRequest[] = [];
  const desktop = desktopRecording(shown);
  const state = new AlertsState({
    desktop,
    reader: () => ({
      self: alice,
      preferences,
      isDirect: (room) => room.startsWith('d-'),
    }),
    preferences: () => preferences,
    busy,
    ...(seenDirects ? { seenDirects } : {}),
    serverName: () => 'Lab',
    roomName: (room) => (room === design.id ? 'Design' : 'Lab'),
    windowAttention: {
      current: () => ({ visible: true, focused: true }),
      watch: () => () => {},
    },
  });
  state.start();
  state.apply({ type: 'session', session: lobbySession([]) });
  return { state, shown };
}

describe('AlertsState with several rooms', () => {
  it("counts and notifies a room's messages while another room is on screen", () => {
    const { state, shown } = alerts();
    state.apply({ type: 'room-joined', joined: joined([message('r-design', 'old news')]) });
    // Joining shows history: nothing new.
    expect(state.unreadIn('r-design')).toEqual({ messages: 0, mentions: 0 });

    state.apply({ type: 'message', message: message('r-design', 'fresh') });
    expect(state.unreadIn('r-design')).toEqual({ messages: 1, mentions: 0 });
    expect(state.unread).toBe(1);
    expect(shown).toEqual([{ title: 'bob in Design', body: 'fresh', room: 'r-design' }]);

    // Switching to it reads it.
    state.showRoom('r-design');
    expect(state.unreadIn('r-design')).toEqual({ messages: 0, mentions: 0 });
    expect(state.attention.roomInView).toBe('r-design');
  });

  it('marks where the reader left off when they come back, until they look elsewhere', () => {
    const { state } = alerts();
    state.apply({ type: 'room-joined', joined: joined([message('r-design', 'seen')]) });
    state.showRoom('r-design');
    expect(state.unreadMarker('r-design')).toBeNull();

    // Away in the lobby: two messages arrive in Design; the first one unread is the place.
    state.showRoom('lobby');
    const first = message('r-design', 'first unread');
    state.apply({ type: 'message', message: first });
    state.apply({ type: 'message', message: message('r-design', 'second unread') });
    expect(state.unreadMarker('r-design')).toBeNull();
    state.showRoom('r-design');
    expect(state.unreadMarker('r-design')).toBe(first.id);

    // The room stays on screen: the marker too, even as more is read. Leaving it ends it.
    state.apply({ type: 'message', message: message('r-design', 'read at once') });
    expect(state.unreadMarker('r-design')).toBe(first.id);
    state.showRoom('lobby');
    expect(state.unreadMarker('r-design')).toBeNull();
    // Back with nothing new: no divider.
    state.showRoom('r-design');
    expect(state.unreadMarker('r-design')).toBeNull();

    // Scrolled back in the room: what arrives is unread; back at the bottom, the place is marked.
    state.setAtLatest(false);
    const whileUp = message('r-design', 'while scrolled up');
    state.apply({ type: 'message', message: whileUp });
    expect(state.unreadIn('r-design').messages).toBe(1);
    state.setAtLatest(true);
    expect(state.unreadMarker('r-design')).toBe(whileUp.id);
    state.forgetRoom('r-design');
    expect(state.unreadMarker('r-design')).toBeNull();
  });

  it("treats a rejoin's catch-up as news, and forgets a room that was left", () => {
    const { state, shown } = alerts();
    state.apply({ type: 'room-joined', joined: joined([]) });
    // After a reconnect the room is joined again with what was missed.
    state.apply({
      type: 'room-joined',
      joined: joined([message('r-design', 'missed 1'), message('r-design', 'missed 2')]),
    });
    expect(state.unreadIn('r-design').messages).toBe(2);
    expect(shown.map((request) => request.body)).toEqual(['missed 2']);

    state.apply({ type: 'room-left', room: 'r-design' });
    state.forgetRoom('r-design');
    expect(state.unread).toBe(0);
    // Joined again later: its history is history again, not news.
    state.apply({ type: 'room-joined', joined: joined([message('r-design', 'while away')]) });
    expect(state.unread).toBe(0);
  });

  it('treats what came in a direct conversation while this person was away as news', () => {
    // What this device remembered between visits (seen-directs.ts keeps it in localStorage).
    const remembered = new Map<string, number>();
    const seenDirects: SeenDirects = {
      get: (room) => remembered.get(room),
      set: (room, id) => void remembered.set(room, id),
    };
    const direct: RoomInfo = {
      id: 'd-bob',
      kind: 'direct',
      name: 'bob',
      peer: 'p-bob',
      members: 1,
    };
    const first = alerts(() => false, seenDirects);
    const before = message('d-bob', 'before you left');
    first.state.apply({ type: 'room-joined', joined: joinedRoom(direct, [before]) });
    expect(first.state.unread).toBe(0);
    expect(remembered.get('d-bob')).toBe(before.id);

    // The next visit: the join opens the conversation with what bob wrote meanwhile.
    const next = alerts(() => false, seenDirects);
    const meanwhile = [message('d-bob', 'are you there?'), message('d-bob', 'call me')];
    next.state.apply({ type: 'room-joined', joined: joinedRoom(direct, [before, ...meanwhile]) });
    expect(next.state.unreadIn('d-bob').messages).toBe(2);
    expect(next.shown.map((request) => request.body)).toEqual(['call me']);
    expect(remembered.get('d-bob')).toBe(meanwhile[1]!.id);

    // A device that never showed it (a new browser): its history is history.
    const fresh = alerts(() => false, { get: () => undefined, set: () => {} });
    fresh.state.apply({ type: 'room-joined', joined: joinedRoom(direct, [before, ...meanwhile]) });
    expect(fresh.state.unread).toBe(0);
    expect(fresh.shown).toEqual([]);
  });

  it("keeps the room on screen when the server's session comes back after a reconnect", () => {
    const { state } = alerts();
    state.showRoom('r-design');
    state.apply({ type: 'session', session: lobbySession([message('lobby', 'lobby catch-up')]) });
    expect(state.attention.roomInView).toBe('r-design');
    expect(state.unreadIn('lobby').messages).toBe(1);
  });

  it('shows no notification while the person is busy, not even for a mention, and still counts', () => {
    let busy = true;
    const { state, shown } = alerts(() => busy);
    state.apply({ type: 'room-joined', joined: joined([]) });
    state.apply({ type: 'message', message: message('r-design', '@alice look') });
    state.apply({ type: 'message', message: message('r-design', 'plain') });
    expect(shown).toEqual([]);
    expect(state.unreadIn('r-design')).toEqual({ messages: 2, mentions: 1 });

    busy = false;
    state.apply({ type: 'message', message: message('r-design', 'after') });
    expect(shown.map((request) => request.body)).toEqual(['after']);
  });
});

describe('AlertsState with read positions that follow the person', () => {
  const direct: RoomInfo = { id: 'd-bob', kind: 'direct', name: 'bob', peer: 'p-bob', members: 1 };

  /** An AlertsState for a device that joins with the server's read positions `positions`. */
  function device(positions: Record<string, number>) {
    const sent: Array<[string, number]> = [];
    const desktop = desktopRecording([]);
    const state = new AlertsState({
      desktop,
      reader: () => ({
        self: alice,
        preferences,
        isDirect: (room) => room.startsWith('d-'),
      }),
      preferences: () => preferences,
      serverName: () => 'Lab',
      // This device never showed the conversation: only the server knows how far she read.
      seenDirects: { get: () => undefined, set: () => {} },
      markRead: async (room, id) => void sent.push([room, id]),
      readSpacingMs: 1_000,
      windowAttention: {
        current: () => ({ visible: true, focused: true }),
        watch: () => () => {},
      },
    });
    state.start();
    state.apply({
      type: 'session',
      session: { ...lobbySession([]), directs: [direct], readPositions: positions },
    });
    return { state, sent };
  }

  it("counts what came after the person's read position (read on another device) as unread", () => {
    const read = [message('d-bob', 'one'), message('d-bob', 'two')];
    const unread = [message('d-bob', 'three'), message('d-bob', 'four')];
    const { state } = device({ 'd-bob': read[1]!.id });
    state.apply({ type: 'room-joined', joined: joinedRoom(direct, [...read, ...unread]) });
    expect(state.unreadIn('d-bob').messages).toBe(2);

    // Her other device reads it to the end: read here too.
    state.apply({ type: 'read', room: 'd-bob', id: unread[1]!.id });
    expect(state.unreadIn('d-bob').messages).toBe(0);
    expect(state.unread).toBe(0);
  });

  it('keeps counting when another device read only part of it', () => {
    const { state } = device({});
    const first = message('d-bob', 'one');
    state.apply({ type: 'room-joined', joined: joinedRoom(direct, []) });
    state.apply({ type: 'message', message: first });
    const second = message('d-bob', 'two');
    state.apply({ type: 'message', message: second });
    expect(state.unreadIn('d-bob').messages).toBe(2);
    state.apply({ type: 'read', room: 'd-bob', id: first.id });
    expect(state.unreadIn('d-bob').messages).toBe(2);
  });

  it('tells the server how far the room on screen is read, at most once a second per room', () => {
    vi.useFakeTimers();
    try {
      const { state, sent } = device({});
      const first = message('d-bob', 'one');
      state.apply({ type: 'room-joined', joined: joinedRoom(direct, [first]) });
      // Not on screen yet: nothing read.
      expect(sent).toEqual([]);
      state.showRoom('d-bob');
      expect(sent).toEqual([['d-bob', first.id]]);
      // Messages read as they come: the newest goes once the second is over.
      const more = [message('d-bob', 'two'), message('d-bob', 'three')];
      for (const next of more) state.apply({ type: 'message', message: next });
      expect(sent).toEqual([['d-bob', first.id]]);
      vi.advanceTimersByTime(1_000);
      expect(sent).toEqual([
        ['d-bob', first.id],
        ['d-bob', more[1]!.id],
      ]);
      // What the server said already is not sent again.
      vi.advanceTimersByTime(5_000);
      state.apply({ type: 'read', room: 'd-bob', id: more[1]!.id + 10 });
      expect(sent).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
