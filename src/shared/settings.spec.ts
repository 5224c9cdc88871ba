import { describe, expect, it } from 'vitest';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  MUTED_ROOMS_MAX,
  readSettings,
  withRoomMuted,
} from './settings';

describe('readSettings', () => {
  it('keeps stored settings that match the schema', () => {
    const stored = {
      version: 1,
      nickname: 'alice',
      notifications: { enabled: false, mentionsOnly: true, mutedRooms: ['lobby'] },
      awayAfterSeconds: 600,
    };
    expect(readSettings(stored)).toEqual({ settings: stored, problem: null });
  });

  it('gives settings stored before presence existed the default away time', () => {
    const stored = {
      version: 1,
      nickname: 'alice',
      notifications: { enabled: false, mentionsOnly: true, mutedRooms: [] },
    };
    expect(readSettings(stored)).toEqual({
      settings: { ...stored, awayAfterSeconds: 300 },
      problem: null,
    });
  });

  it('changes the away time, and refuses one too short, changing nothing', () => {
    expect(applySettingsPatch(DEFAULT_SETTINGS, { awayAfterSeconds: 900 })).toEqual({
      ok: true,
      settings: { ...DEFAULT_SETTINGS, awayAfterSeconds: 900 },
    });
    expect(applySettingsPatch(DEFAULT_SETTINGS, { awayAfterSeconds: 1 })).toEqual({
      ok: false,
      error: { code: 'invalid_payload', message: 'awayAfterSeconds must be at least 5.' },
    });
  });

  it('gives the defaults, and says why, for anything else', () => {
    for (const value of [null, 'x', [], { version: 2 }, { ...DEFAULT_SETTINGS, nickname: 7 }]) {
      const { settings, problem } = readSettings(value);
      expect(settings).toEqual(DEFAULT_SETTINGS);
      expect(problem).toEqual(expect.any(String));
    }
  });
});

describe('applySettingsPatch', () => {
  it('changes only the fields given', () => {
    const patched = applySettingsPatch(DEFAULT_SETTINGS, { notifications: { mentionsOnly: true } });
    expect(patched).toEqual({
      ok: true,
      settings: {
        ...DEFAULT_SETTINGS,
        notifications: { ...DEFAULT_SETTINGS.notifications, mentionsOnly: true },
      },
    });
    // The nickname is checked and trimmed like everywhere else.
    const named = applySettingsPatch(DEFAULT_SETTINGS, { nickname: '  bea ' });
    expect(named.ok && named.settings.nickname).toBe('bea');
  });

  it('keeps a room muted twice once', () => {
    const patched = applySettingsPatch(DEFAULT_SETTINGS, {
      notifications: { mutedRooms: ['lobby', 'lobby', 'r-1'] },
    });
    expect(patched.ok && patched.settings.notifications.mutedRooms).toEqual(['lobby', 'r-1']);
  });

  it('refuses unknown fields and wrong types without changing anything', () => {
    const before = structuredClone(DEFAULT_SETTINGS);
    for (const patch of [{ extra: 1 }, { nickname: 3 }, { notifications: { enabled: 1 } }]) {
      const result = applySettingsPatch(DEFAULT_SETTINGS, patch);
      expect(result.ok).toBe(false);
    }
    expect(DEFAULT_SETTINGS).toEqual(before);
  });
});

describe('withRoomMuted', () => {
  it('mutes and unmutes a room, leaving the others', () => {
    expect(withRoomMuted(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(withRoomMuted(['a', 'b'], 'b', true)).toEqual(['a', 'b']);
    expect(withRoomMuted(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(withRoomMuted([], 'a', false)).toEqual([]);
  });

  it('forgets the oldest beyond the maximum', () => {
    const full = Array.from({ length: MUTED_ROOMS_MAX }, (_, index) => `r-${index}`);
    const muted = withRoomMuted(full, 'new', true);
    expect(muted).toHaveLength(MUTED_ROOMS_MAX);
    expect(muted[0]).toBe('r-1');
    expect(muted.at(-1)).toBe('new');
  });
});
