/**
 * The search index on disk: one JSON file in the data folder holding the indexed messages and
 * the highest message id it covers (the index itself is made again from them on start, which is
 * quick next to reading the history). Written a slice of messages at a time, so that saving a
 * large index never holds the event loop (acknowledgements) for long, into a temporary file
 * renamed over the old one: a crash leaves the old snapshot or the new one, never half of one.
 * A missing file says so (null); one that cannot be read as a snapshot throws, and the caller
 * rebuilds.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import type { ChatMessage } from '../../shared/protocol';
import { SearchIndex } from './search-index';

const FORMAT = 'parley-search-index';
const VERSION = 1;
/** Messages serialized per write: about a millisecond of work each. */
const SLICE = 500;

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
    messages?: unknown;
  };
  if (saved?.format !== FORMAT || saved.version !== VERSION) {
    throw new Error('not a Parley search index of a known version');
  }
  if (!Number.isSafeInteger(saved.coveredId) || (saved.coveredId as number) < 0) {
    throw new Error('its covered id is not a whole number');
  }
  if (!Array.isArray(saved.messages)) throw new Error('it holds no list of messages');
  const index = new SearchIndex();
  for (const message of saved.messages) {
    if (!isMessage(message)) throw new Error('a message in it is not one');
    index.add(message);
  }
  return { index, coveredId: saved.coveredId as number };
}

/** Writes `messages` (a copy the caller will not change) as the snapshot covering `coveredId`. */
export async function writeSnapshot(
  file: string,
  messages: readonly ChatMessage[],
  coveredId: number,
): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.write(
      `{"format":"${FORMAT}","version":${VERSION},"coveredId":${coveredId},"messages":[`,
    );
    for (let start = 0; start < messages.length; start += SLICE) {
      const slice = messages.slice(start, start + SLICE).map((message) => JSON.stringify(message));
      await handle.write(`${start === 0 ? '' : ','}${slice.join(',')}`);
    }
    await handle.write(']}');
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
}

function isMessage(value: unknown): value is ChatMessage {
  const message = value as Partial<ChatMessage> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    Number.isSafeInteger(message.id) &&
    typeof message.room === 'string' &&
    typeof message.text === 'string' &&
    typeof message.clientId === 'string' &&
    typeof message.sentAt === 'number' &&
    typeof message.author?.id === 'string' &&
    typeof message.author.nickname === 'string'
  );
}
