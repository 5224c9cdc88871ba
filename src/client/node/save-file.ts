/**
 * Saving a downloaded file to disk (the desktop app, after the save dialog): the bytes go to
 * `<path>.part` as they arrive and are renamed to `path` only once complete, so a cancelled or
 * failed download leaves nothing that looks like the file. Node only.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { Result } from '../../shared/result';
import type { FileTransfers } from '../file-transfers';

export async function saveFile(
  transfers: FileTransfers,
  file: unknown,
  transferId: unknown,
  path: string,
): Promise<Result<{ saved: boolean }>> {
  const partial = `${path}.part`;
  const handle = await open(partial, 'w');
  let result: Result;
  try {
    result = await transfers.download(file, transferId, async (bytes) => {
      await handle.write(bytes);
    });
  } finally {
    await handle.close();
  }
  if (!result.ok) {
    await rm(partial, { force: true });
    return result;
  }
  await rename(partial, path);
  return { ok: true, saved: true };
}
