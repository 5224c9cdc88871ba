/**
 * The search index on disk: one JSON file in the data folder holding the index and the highest
 * message id it covers. Written atomically (a temporary file renamed over the old one), so a
 * crash leaves the old snapshot or the new one, never half of one. A file that is missing says
 * so (null); one that cannot be read as a snapshot throws, and the caller rebuilds.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { SearchIndex } from './search-index';

const FORMAT = 'parley-search-index';
const VERSION = 1;

export interface Snapshot {
  index: SearchIndex;
  /** Every message with this id or a smaller one was in the index when it was saved. */
  coveredId: number;
}

export async function readSnapshot(file: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const saved = JSON.parse(text) as {
    format?: unknown;
    version?: unknown;
    coveredId?: unknown;
    index?: unknown;
  };
  if (saved?.format !== FORMAT || saved.version !== VERSION) {
    throw new Error('not a Parley search index of a known version');
  }
  if (!Number.isSafeInteger(saved.coveredId) || (saved.coveredId as number) < 0) {
    throw new Error('its covered id is not a whole number');
  }
  return { index: SearchIndex.fromJSON(saved.index), coveredId: saved.coveredId as number };
}

export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  const text = JSON.stringify({
    format: FORMAT,
    version: VERSION,
    coveredId: snapshot.coveredId,
    index: snapshot.index,
  });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
