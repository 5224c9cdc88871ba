import { describe, expect, it } from 'vitest';
import {
  escapeNotificationMarkup,
  NOTIFICATION_BODY_MAX,
  NOTIFICATION_TITLE_MAX,
  notificationFor,
  notificationRequestSchema,
  truncate,
  unreadCountSchema,
} from './notification-request';

const alice = { id: 'u1', nickname: 'alice' };

describe('notificationFor', () => {
  it('is the author (and room) over the first line of the text', () => {
    expect(notificationFor({ author: alice, text: 'hello\nsecond line', room: 'lobby' })).toEqual({
      title: 'alice',
      body: 'hello',
      room: 'lobby',
    });
    expect(
      notificationFor(
        { author: alice, text: '\n\n  \n  first real line  \nmore', room: 'lobby' },
        'Lab',
      ),
    ).toEqual({ title: 'alice in Lab', body: 'first real line', room: 'lobby' });
  });

  it('names the file of a message that is only a file', () => {
    const file = { id: 'a'.repeat(64), name: 'plan.pdf', size: 10, type: 'application/pdf' };
    expect(notificationFor({ author: alice, text: '', room: 'lobby', file }).body).toBe(
      'Sent plan.pdf',
    );
  });

  it('keeps markup and markdown as typed: a notification is plain text', () => {
    const text = '<img src=x onerror=alert(1)> **bold** <b>hi</b> & more';
    expect(notificationFor({ author: alice, text, room: 'lobby' }).body).toBe(text);
  });

  it('shortens a long line with an ellipsis, to what the main process accepts', () => {
    const text = 'word '.repeat(100);
    const { body, title } = notificationFor(
      { author: { id: 'u', nickname: 'n'.repeat(32) }, text, room: 'lobby' },
      'r'.repeat(200),
    );
    expect(body.length).toBeLessThanOrEqual(NOTIFICATION_BODY_MAX);
    expect(body.endsWith('…')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(NOTIFICATION_TITLE_MAX);
    expect(notificationRequestSchema.safeParse({ title, body, room: 'lobby' }).success).toBe(true);
  });

  it('replaces control characters, which systems would show as boxes or not at all', () => {
    const { body } = notificationFor({ author: alice, text: 'a\tb\u0007c\u009bd', room: 'lobby' });
    expect(body).toBe('a b c d');
  });
});

describe('truncate', () => {
  it('never splits a surrogate pair and counts what the schema counts', () => {
    const text = '😀'.repeat(100);
    const cut = truncate(text, 11);
    expect(cut.length).toBeLessThanOrEqual(11);
    expect(cut).toBe(`${'😀'.repeat(5)}…`);
    expect(truncate('short', 11)).toBe('short');
  });
});

describe('escapeNotificationMarkup', () => {
  it('escapes what freedesktop notification daemons read as markup', () => {
    expect(escapeNotificationMarkup('<b>hi</b> & <i>')).toBe(
      '&lt;b&gt;hi&lt;/b&gt; &amp; &lt;i&gt;',
    );
    expect(escapeNotificationMarkup('&lt;')).toBe('&amp;lt;');
  });
});

describe('the checks on requests from the page', () => {
  it('accept a notification and refuse anything else', () => {
    expect(
      notificationRequestSchema.safeParse({ title: 't', body: 'b', room: 'lobby' }).success,
    ).toBe(true);
    for (const bad of [
      null,
      { title: 't', body: 'b' },
      { title: 't', body: 'b', room: '' },
      { title: 1, body: 'b', room: 'lobby' },
      { title: 't', body: 'b'.repeat(NOTIFICATION_BODY_MAX + 1), room: 'lobby' },
      { title: 't', body: 'b', room: 'lobby', icon: 'file:///etc/passwd' },
    ]) {
      expect(notificationRequestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('accept whole unread counts from 0', () => {
    for (const good of [0, 1, 9_999]) expect(unreadCountSchema.safeParse(good).success).toBe(true);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '3', 10_000]) {
      expect(unreadCountSchema.safeParse(bad).success, String(bad)).toBe(false);
    }
  });
});
