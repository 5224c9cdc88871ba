import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../shared/settings';
import { SettingsFile } from './settings-file';

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'parley-settings-')), 'settings.json');
}

function errors() {
  const seen: unknown[] = [];
  return { seen, onError: (error: unknown) => seen.push(error) };
}

describe('SettingsFile', () => {
  it('starts from the defaults without a file, and keeps changes across a restart', async () => {
    const file = tempFile();
    const settings = await SettingsFile.open(file);
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
    expect(existsSync(file)).toBe(false);

    const nickname = await settings.update({ nickname: 'alice' });
    expect(nickname.ok).toBe(true);
    const muted = await settings.update({
      notifications: { mentionsOnly: true, mutedRooms: ['lobby'] },
    });
    expect(muted).toEqual({
      ok: true,
      settings: {
        version: 1,
        nickname: 'alice',
        notifications: { enabled: true, mentionsOnly: true, mutedRooms: ['lobby'] },
        awayAfterSeconds: 300,
      },
    });

    // A new process reads the same file: everything is there.
    const reopened = await SettingsFile.open(file);
    expect(reopened.get()).toEqual(muted.ok && muted.settings);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(reopened.get());
  });

  it('refuses bad changes with a clear error and changes nothing, on disk or in memory', async () => {
    const file = tempFile();
    const settings = await SettingsFile.open(file);
    await settings.update({ nickname: 'alice', notifications: { mutedRooms: ['lobby'] } });
    const before = readFileSync(file, 'utf8');

    const bad: [unknown, RegExp][] = [
      [null, /object/i],
      ['alice', /object/i],
      [{ nickname: '' }, /Nickname cannot be empty/],
      [{ nickname: 'x'.repeat(33) }, /at most 32/],
      [{ nickname: 'bad\u0000name' }, /control/],
      [{ notifications: { enabled: 'yes' } }, /enabled must be true or false/],
      [{ notifications: { mutedRooms: [''] } }, /room id cannot be empty/],
      [{ notifications: { mutedRooms: ['r'.repeat(65)] } }, /at most 64/],
      [{ notifications: { sound: true } }, /Unknown field/],
      [{ theme: 'dark' }, /Unknown field/],
      [{ notifications: 'off' }, /object/i],
    ];
    for (const [patch, message] of bad) {
      const result = await settings.update(patch);
      expect(result.ok, JSON.stringify(patch)).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid_payload');
        expect(result.error.message).toMatch(message);
      }
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(settings.get().nickname).toBe('alice');
    expect(settings.get().notifications.mutedRooms).toEqual(['lobby']);
  });

  it('sets an unreadable file aside and starts from the defaults', async () => {
    for (const contents of ['{ not json', JSON.stringify({ version: 2, nickname: 5 })]) {
      const file = tempFile();
      writeFileSync(file, contents);
      const { seen, onError } = errors();
      const settings = await SettingsFile.open(file, { onError });
      expect(settings.get()).toEqual(DEFAULT_SETTINGS);
      expect(seen).toHaveLength(1);
      // Kept for whoever wants to look at it, out of the way of the next write.
      expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe(contents);
      expect(existsSync(file)).toBe(false);
      expect((await settings.update({ nickname: 'bob' })).ok).toBe(true);
      expect((await SettingsFile.open(file)).get().nickname).toBe('bob');
    }
  });

  it('applies changes one at a time, in the order asked', async () => {
    const file = tempFile();
    const settings = await SettingsFile.open(file);
    const results = await Promise.all([
      settings.update({ notifications: { mutedRooms: ['a'] } }),
      settings.update({ nickname: 'carol' }),
      settings.update({ notifications: { mutedRooms: ['a', 'b'] } }),
      settings.update({ notifications: { enabled: false } }),
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    const expected = {
      version: 1,
      nickname: 'carol',
      notifications: { enabled: false, mentionsOnly: false, mutedRooms: ['a', 'b'] },
      awayAfterSeconds: 300,
    };
    expect(settings.get()).toEqual(expected);
    expect((await SettingsFile.open(file)).get()).toEqual(expected);
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(join(file, '..'))).toEqual(['settings.json']);
  });

  it('reports a file it cannot write and keeps the settings it had', async () => {
    // The folder it should be in is a file: nothing can be written there, even by root.
    const notAFolder = tempFile();
    writeFileSync(notAFolder, 'in the way');
    const file = join(notAFolder, 'settings.json');
    const { seen, onError } = errors();
    const settings = await SettingsFile.open(file, { onError });
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
    expect(seen).toHaveLength(1);

    const result = await settings.update({ nickname: 'dave' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('data_unavailable');
      expect(result.error.message).toMatch(/Could not save the settings/);
    }
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
    expect(readFileSync(notAFolder, 'utf8')).toBe('in the way');
  });
});
