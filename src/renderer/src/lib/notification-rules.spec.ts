import { describe, expect, it } from 'vitest';
import type { User } from '../../../shared/protocol';
import { DEFAULT_SETTINGS, type NotificationPreferences } from '../../../shared/settings';
import {
  countMessage,
  isReading,
  outcomeOf,
  unreadTotal,
  windowTitle,
  type Attention,
  type Reader,
} from './notification-rules';

const me = { id: 'u-me', nickname: 'Alice' };
const bob = { id: 'u-bob', nickname: 'bob' };

const reading: Attention = { visible: true, focused: true, atLatest: true, roomInView: 'lobby' };
const unfocused: Attention = { ...reading, focused: false };
const hidden: Attention = { ...reading, visible: false };
const scrolledBack: Attention = { ...reading, atLatest: false };
const otherRoom: Attention = { ...reading, roomInView: 'r-design' };

function reader(preferences: Partial<NotificationPreferences> = {}): Reader {
  return {
    self: me,
    preferences: { ...DEFAULT_SETTINGS.notifications, ...preferences },
  };
}

/** A message from bob; `mentions`: the people the server resolved its @mentions to. */
const fromBob = (room = 'lobby', mentions: User[] = []) => ({ author: bob, mentions, room });
const mentioningMe = [me];

describe('isReading', () => {
  it('needs the window visible and focused, the room on screen and the latest in view', () => {
    expect(isReading(reading, 'lobby')).toBe(true);
    for (const attention of [unfocused, hidden, scrolledBack, otherRoom]) {
      expect(isReading(attention, 'lobby')).toBe(false);
    }
    expect(isReading({ ...reading, roomInView: null }, 'lobby')).toBe(false);
  });
});

describe('outcomeOf', () => {
  it('a message from someone else, read as it arrives: nothing', () => {
    expect(outcomeOf(fromBob(), reader(), reading)).toEqual({
      unread: false,
      mention: false,
      notify: false,
    });
  });

  it('window in the background or hidden, or another room on screen: unread, and notify', () => {
    for (const attention of [unfocused, hidden, otherRoom]) {
      expect(outcomeOf(fromBob(), reader(), attention)).toEqual({
        unread: true,
        mention: false,
        notify: true,
      });
    }
  });

  it('scrolled back in the room on screen: unread, but no notification', () => {
    expect(outcomeOf(fromBob(), reader(), scrolledBack)).toEqual({
      unread: true,
      mention: false,
      notify: false,
    });
  });

  it('own messages (the same identity, from any device) never count', () => {
    const own = { author: me, mentions: [bob, me], room: 'lobby' };
    expect(outcomeOf(own, reader(), unfocused)).toEqual({
      unread: false,
      mention: false,
      notify: false,
    });
  });

  it('a message by someone who holds my name now but is another identity is not mine', () => {
    const namesake = { author: { id: 'u-other', nickname: 'Alice' }, room: 'lobby' };
    expect(outcomeOf(namesake, reader(), unfocused)).toEqual({
      unread: true,
      mention: false,
      notify: true,
    });
  });

  it('a muted room notifies only for mentions, but still counts as unread', () => {
    const muted = reader({ mutedRooms: ['lobby'] });
    expect(outcomeOf(fromBob(), muted, unfocused)).toEqual({
      unread: true,
      mention: false,
      notify: false,
    });
    expect(outcomeOf(fromBob('lobby', mentioningMe), muted, unfocused)).toEqual({
      unread: true,
      mention: true,
      notify: true,
    });
    // Muting one room leaves the others alone.
    expect(outcomeOf(fromBob('r-design'), muted, unfocused).notify).toBe(true);
  });

  it('"mentions only" lets only mentions through, everywhere', () => {
    const mentionsOnly = reader({ mentionsOnly: true });
    expect(outcomeOf(fromBob(), mentionsOnly, unfocused).notify).toBe(false);
    expect(outcomeOf(fromBob('lobby', mentioningMe), mentionsOnly, unfocused).notify).toBe(true);
  });

  it('notifications off: none at all, not even for mentions; unread counts stay', () => {
    const off = reader({ enabled: false });
    expect(outcomeOf(fromBob('lobby', mentioningMe), off, unfocused)).toEqual({
      unread: true,
      mention: true,
      notify: false,
    });
  });

  it('a mention while reading the room does not notify', () => {
    expect(outcomeOf(fromBob('lobby', mentioningMe), reader(), reading).notify).toBe(false);
  });

  it('a mention of someone else is not a mention, nor one of my name given to another person', () => {
    expect(outcomeOf(fromBob('lobby', [bob]), reader(), unfocused).mention).toBe(false);
    // "@Alice" sent while the name was someone else's: the server resolved it to them.
    const before = { id: 'u-earlier-alice', nickname: 'Alice' };
    expect(outcomeOf(fromBob('lobby', [before]), reader(), unfocused).mention).toBe(false);
    // After a rename the mention still names me.
    const renamed = { id: me.id, nickname: 'Alicia' };
    expect(outcomeOf(fromBob('lobby', [renamed]), reader(), unfocused).mention).toBe(true);
  });

  it('direct messages count as mentions', () => {
    const direct = {
      ...reader({ mentionsOnly: true }),
      isDirect: (room: string) => room.startsWith('d-'),
    };
    expect(outcomeOf(fromBob('d-1'), direct, unfocused)).toEqual({
      unread: true,
      mention: true,
      notify: true,
    });
  });
});

describe('unread counts', () => {
  it('count messages and mentions; the total leaves out muted rooms except their mentions', () => {
    let lobby = { messages: 0, mentions: 0 };
    lobby = countMessage(lobby, { unread: true, mention: false, notify: true });
    lobby = countMessage(lobby, { unread: true, mention: true, notify: true });
    lobby = countMessage(lobby, { unread: false, mention: true, notify: false });
    expect(lobby).toEqual({ messages: 2, mentions: 1 });
    const design = { messages: 5, mentions: 0 };
    const counts = { lobby, 'r-design': design };
    expect(unreadTotal(counts, reader().preferences)).toBe(7);
    expect(unreadTotal(counts, reader({ mutedRooms: ['lobby'] }).preferences)).toBe(6);
    expect(unreadTotal(counts, reader({ mutedRooms: ['r-design'] }).preferences)).toBe(2);
    expect(unreadTotal({}, reader().preferences)).toBe(0);
  });
});

describe('windowTitle', () => {
  it('puts the unread count first, and the server after the app name', () => {
    expect(windowTitle(3, 'Lab')).toBe('(3) Parley — Lab');
    expect(windowTitle(0, 'Lab')).toBe('Parley — Lab');
    expect(windowTitle(0, null)).toBe('Parley');
    expect(windowTitle(2, null)).toBe('(2) Parley');
  });
});
