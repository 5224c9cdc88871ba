import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from './atomic-file';

const folder = () => mkdtempSync(join(tmpdir(), 'parley-atomic-'));

describe('writeAtomically', () => {
  it('writes the file, making its folder, and replaces what was there', async () => {
    const file = join(folder(), 'nested', 'settings.json');
    await writeAtomically(file, 'first');
    expect(readFileSync(file, 'utf8')).toBe('first');
    await writeAtomically(file, 'second');
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(join(file, '..'))).toEqual(['settings.json']);
  });

  it.skipIf(process.platform === 'win32')(
    'makes a new file readable by this user only',
    async () => {
      const file = join(folder(), 'key.pem');
      await writeAtomically(file, 'secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
    },
  );

  it('leaves the old file and no temporary file behind when the write fails', async () => {
    const dir = folder();
    const file = join(dir, 'servers.json');
    writeFileSync(join(dir, 'kept.json'), 'kept');
    // A folder in the file's place: the final rename fails.
    mkdirSync(join(file, 'occupied'), { recursive: true });
    await expect(writeAtomically(file, 'new')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['kept.json', 'servers.json']);
    expect(readFileSync(join(dir, 'kept.json'), 'utf8')).toBe('kept');
  });
});
