/**
 * PresenceState and the Set status dialog, fed ChatEvents, with a stand-in for the chat API that
 * records what would be sent, and idleness driven by hand: the test fires the idle timer and the
 * activity itself, so no time passes.
 */
import { describe, expect, it } from 'vitest';
import type { ChatEvent, ParleyApi, PresenceStatus } from '../../../shared/api';
import { LIMITS } from '../../../shared/limits';
import type { Presence } from '../../../shared/protocol';
import type { Result } from '../../../shared/result';
import { alice, bob, lobbySession } from './chat-fixtures';
import { watchIdle } from './idle-watcher';
import { PresenceState } from './presence-state.svelte';
import { StatusDialog } from './status-dialog.svelte';

type Sent = { status: PresenceStatus; text: string | undefined };

/** A PresenceState over a recording chat, with the idle timer and page activity in the test's hands. */
function setup(options: { refuse?: Result<{ presence: Presence }> } = {}) {
  const sent: Sent[] = [];
  let listener: ((event: ChatEvent) => void) | null = null;
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let nextTimer = 0;
  let activity: (() => void) | null = null;
  let clock = 1_767_225_600_000;
  let awayAfterMs = 60_000;
  const chat: Pick<ParleyApi['chat'], 'setPresence' | 'onEvent'> = {
    setPresence: async (status, text) => {
      if (options.refuse) return options.refuse;
      sent.push({ status, text });
      return { ok: true, presence: { status, ...(text ? { text } : {}), since: clock } };
    },
    onEvent: (next) => {
      listener = next;
      return () => (listener = null);
    },
  };
  const presence = new PresenceState({
    chat,
    awayAfterMs: () => awayAfterMs,
    clock: () => clock,
    watchIdle: (idle) =>
      watchIdle({
        ...idle,
        watchActivity: (onactivity) => {
          activity = onactivity;
          return () => (activity = null);
        },
        setTimer: (callback, ms) => {
          timers.set(++nextTimer, { callback, ms });
          return nextTimer;
        },
        clearTimer: (handle) => timers.delete(handle as number),
      }),
  });
  const stop = presence.start();
  return {
    presence,
    sent,
    stop,
    emit: (event: ChatEvent) => listener?.(event),
    /** The idle timer running now (one at most). */
    timer: () => {
      expect(timers.size).toBeLessThanOrEqual(1);
      return [...timers.values()][0];
    },
    /** Time runs out: fires the idle timer. */
    idle: () => {
      const [entry] = [...timers.entries()];
      if (!entry) throw new Error('no idle timer');
      timers.delete(entry[0]);
      entry[1].callback();
    },
    act: () => activity?.(),
    setClock: (ms: number) => (clock = ms),
    setAwayAfter: (ms: number) => (awayAfterMs = ms),
  };
}

const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('PresenceState', () => {
  it('goes away after the idle time without activity, and online at the next activity', async () => {
    const { presence, sent, timer, idle, act } = setup();
    expect(timer()?.ms).toBe(60_000);
    expect(presence.status).toBe('online');

    idle();
    await settle();
    expect(presence.status).toBe('away');
    expect(sent).toEqual([{ status: 'away', text: undefined }]);

    act();
    await settle();
    expect(presence.status).toBe('online');
    expect(sent.at(-1)).toEqual({ status: 'online', text: undefined });
    // Activity while active sends nothing; it only starts the wait again.
    act();
    act();
    expect(sent).toHaveLength(2);
    expect(timer()).toBeDefined();
  });

  it('reads the idle time from the settings each time the wait starts again', () => {
    const { timer, act, setAwayAfter } = setup();
    setAwayAfter(5_000);
    act();
    expect(timer()?.ms).toBe(5_000);
  });

  it('stays busy when idle, keeping the status line', async () => {
    const { presence, sent, idle, act } = setup();
    expect(await presence.choose('busy', '  In a meeting ')).toBe(true);
    expect(sent).toEqual([{ status: 'busy', text: 'In a meeting' }]);
    idle();
    act();
    await settle();
    expect(presence.status).toBe('busy');
    expect(presence.busy).toBe(true);
    expect(sent).toHaveLength(1);
  });

  it('keeps the status line while away by itself', async () => {
    const { presence, sent, idle } = setup();
    await presence.choose('online', 'lunch');
    idle();
    await settle();
    expect(sent.at(-1)).toEqual({ status: 'away', text: 'lunch' });
  });

  it('keeps everyone’s presence from the join and the presence events; absent means online', () => {
    const { presence, emit } = setup();
    const session = lobbySession();
    session.presence = { [bob.id]: { status: 'away', text: 'back soon', since: 1 } };
    emit({ type: 'session', session });
    expect(presence.of(bob.id)).toMatchObject({ status: 'away', text: 'back soon' });
    expect(presence.of('u-nobody').status).toBe('online');

    emit({ type: 'presence', user: bob, presence: { status: 'busy', since: 2 } });
    expect(presence.of(bob.id)).toEqual({ status: 'busy', since: 2 });
    emit({ type: 'user-left', room: 'lobby', user: bob });
    expect(presence.of(bob.id).status).toBe('online');
  });

  it('follows the server about this person (a reload, another window): busy, online, the line', () => {
    const { presence, emit } = setup();
    emit({ type: 'session', session: lobbySession() });
    emit({ type: 'presence', user: alice, presence: { status: 'busy', text: 'focus', since: 3 } });
    expect(presence.chosen).toBe('busy');
    expect(presence.text).toBe('focus');
    // Away is this app's own idea: it does not change the choice.
    emit({ type: 'presence', user: alice, presence: { status: 'away', text: 'focus', since: 4 } });
    expect(presence.chosen).toBe('busy');
    // Someone else's presence is not this person's.
    emit({ type: 'presence', user: bob, presence: { status: 'online', since: 5 } });
    expect(presence.chosen).toBe('busy');
  });

  it('is stale, as of the moment the connection dropped, until it is back', () => {
    const { presence, emit, setClock } = setup();
    emit({ type: 'status', status: { state: 'connected', url: 'http://x', reason: null } });
    expect(presence.stale).toBe(false);
    setClock(1_767_225_720_000);
    emit({ type: 'status', status: { state: 'reconnecting', url: 'http://x', reason: 'lost' } });
    expect(presence.stale).toBe(true);
    expect(presence.asOf).toBe(1_767_225_720_000);
    // Still reconnecting later: the time stays the one it dropped at.
    setClock(1_767_225_780_000);
    emit({ type: 'status', status: { state: 'reconnecting', url: 'http://x', reason: 'lost' } });
    expect(presence.asOf).toBe(1_767_225_720_000);
    emit({ type: 'status', status: { state: 'connected', url: 'http://x', reason: null } });
    expect(presence.stale).toBe(false);
    expect(presence.asOf).toBeNull();
  });

  it('is not stale before ever connecting; is once the server ends the session', () => {
    const { presence, emit } = setup();
    emit({ type: 'status', status: { state: 'connecting', url: 'http://x', reason: null } });
    expect(presence.stale).toBe(false);
    emit({ type: 'status', status: { state: 'connected', url: 'http://x', reason: null } });
    emit({
      type: 'status',
      status: { state: 'disconnected', url: 'http://x', reason: 'You were removed.' },
    });
    expect(presence.stale).toBe(true);
  });

  it('keeps the earlier choice when the server refuses, and says why', async () => {
    const refuse = {
      ok: false as const,
      error: { code: 'rate_limited' as const, message: 'You are sending too fast.' },
    };
    const { presence } = setup({ refuse });
    expect(await presence.choose('busy', 'x')).toBe(false);
    expect(presence.chosen).toBe('online');
    expect(presence.text).toBe('');
    expect(presence.error).toBe('You are sending too fast.');
  });

  it('stops watching when stopped', () => {
    const { stop, timer } = setup();
    stop();
    expect(timer()).toBeUndefined();
  });
});

describe('StatusDialog', () => {
  it('opens with what is set, and saves busy with a status line', async () => {
    const { presence, sent } = setup();
    await presence.choose('online', 'lunch');
    const dialog = new StatusDialog(presence);
    dialog.show();
    expect(dialog.open).toBe(true);
    expect(dialog.status).toBe('online');
    expect(dialog.text).toBe('lunch');
    dialog.status = 'busy';
    dialog.text = 'In a meeting';
    await dialog.save();
    expect(dialog.open).toBe(false);
    expect(sent.at(-1)).toEqual({ status: 'busy', text: 'In a meeting' });
  });

  it('refuses a status line the server would refuse, sending nothing and keeping it open', async () => {
    const { presence, sent } = setup();
    const dialog = new StatusDialog(presence);
    dialog.show();
    dialog.text = 'x'.repeat(LIMITS.statusTextMaxLength + 1);
    await dialog.save();
    expect(dialog.open).toBe(true);
    expect(dialog.error).toBe(
      `Status line can be at most ${LIMITS.statusTextMaxLength} characters.`,
    );
    dialog.text = 'bad\u202Etext';
    await dialog.save();
    expect(dialog.error).toBe(
      'Status line cannot contain control or invisible formatting characters.',
    );
    expect(sent).toEqual([]);
    expect(presence.text).toBe('');
  });

  it('clears the status line when saved empty', async () => {
    const { presence, sent } = setup();
    await presence.choose('busy', 'focus');
    const dialog = new StatusDialog(presence);
    dialog.show();
    dialog.clearText();
    await dialog.save();
    expect(sent.at(-1)).toEqual({ status: 'busy', text: undefined });
    expect(presence.text).toBe('');
  });
});
