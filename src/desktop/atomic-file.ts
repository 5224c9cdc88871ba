/**
 * Writing a small file so that a crash never leaves half of it: the contents go to a temporary
 * file beside it, are flushed to disk, and the temporary file is renamed over the old one (a
 * rename within a folder is atomic). The settings, saved servers, certificate pins, outbox and
 * host certificate files are all written this way. Readable and writable by this user only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a temporary file next to `file`, flushes it to disk, then renames it over `file`. */
export async function writeAtomically(file: string, contents: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(contents, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}
