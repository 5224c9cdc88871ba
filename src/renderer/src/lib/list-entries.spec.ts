import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/protocol';
import type { TimelineEntry } from './chat-state.svelte';
import { dayLabel, decorateTimeline, localDay, type ListEntry } from './list-entries';

const at = (day: number, hour: number) => new Date(2026, 11, day, hour, 30).getTime();
const NOW = at(4, 15);

function message(id: number, sentAt: number, continued = false): TimelineEntry {
  const body = {
    id,
    room: 'lobby',
    clientId: `c${id}`,
    text: `message ${id}`,
    sentAt,
    author: { id: 'u1', nickname: 'bob' },
  } as unknown as ChatMessage;
  return { kind: 'message', key: `m${id}`, message: body, own: false, continued };
}

const shape = (entries: ListEntry[]) =>
  entries.map((entry) =>
    entry.kind === 'day'
      ? `day ${entry.label}`
      : entry.kind === 'unread'
        ? 'unread'
        : entry.kind === 'message'
          ? `${entry.message.id}${entry.continued ? '+' : ''}`
          : entry.kind,
  );

describe('day labels', () => {
  it('says Today, Yesterday, or the full date with the year', () => {
    expect(dayLabel(at(4, 9), NOW)).toBe('Today');
    expect(dayLabel(at(3, 23), NOW)).toBe('Yesterday');
    const older = dayLabel(at(1, 12), NOW);
    expect(older).toContain('2026');
    expect(older).not.toMatch(/Today|Yesterday/);
    // Across a month's start, too.
    expect(dayLabel(new Date(2026, 10, 30, 10).getTime(), new Date(2026, 11, 1, 8).getTime())).toBe(
      'Yesterday',
    );
    expect(localDay(at(4, 0))).toBe('2026-12-04');
  });
});

describe('decorateTimeline', () => {
  it('puts a day divider before the first entry of each day', () => {
    const entries = decorateTimeline(
      [message(1, at(1, 9)), message(2, at(1, 10)), message(3, at(3, 9)), message(4, at(4, 9))],
      { unreadFrom: null, now: NOW },
    );
    expect(shape(entries)).toEqual([
      expect.stringMatching(/^day .*2026/),
      '1',
      '2',
      'day Yesterday',
      '3',
      'day Today',
      '4',
    ]);
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(entries.length);
  });

  it('puts the unread divider before the first unread message, after its day divider', () => {
    const timeline = [
      message(5, at(4, 9)),
      message(6, at(4, 10), true),
      message(7, at(4, 11), true),
    ];
    expect(shape(decorateTimeline(timeline, { unreadFrom: 6, now: NOW }))).toEqual([
      'day Today',
      '5',
      'unread',
      // After a divider a message shows its author again.
      '6',
      '7+',
    ]);
    expect(shape(decorateTimeline(timeline, { unreadFrom: 5, now: NOW }))).toEqual([
      'day Today',
      'unread',
      '5',
      '6+',
      '7+',
    ]);
    // The first unread one was not loaded: before the first newer one.
    expect(shape(decorateTimeline([message(9, at(4, 9))], { unreadFrom: 8, now: NOW }))).toEqual([
      'day Today',
      'unread',
      '9',
    ]);
    // All read, or none to show.
    expect(shape(decorateTimeline(timeline, { unreadFrom: 8, now: NOW }))).not.toContain('unread');
    expect(shape(decorateTimeline(timeline, { unreadFrom: null, now: NOW }))).not.toContain(
      'unread',
    );
  });

  it('gives messages not sent yet no day of their own', () => {
    const pending: TimelineEntry = {
      kind: 'pending',
      key: 'px',
      entry: { clientId: 'x', text: 'hi', state: 'sending', error: null, createdAt: NOW },
    };
    expect(
      shape(decorateTimeline([message(1, at(4, 9)), pending], { unreadFrom: null, now: NOW })),
    ).toEqual(['day Today', '1', 'pending']);
  });
});
