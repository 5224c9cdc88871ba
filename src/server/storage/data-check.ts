/**
 * `parley check`: reads every record of a data folder and says what is wrong, and with repair
 * mends it. A check changes nothing: it opens a copy of the history (LevelDB rewrites a folder
 * as it opens it, dropping what it cannot read). A repair keeps the original folder beside the
 * data (history-before-repair-<time>), runs LevelDB's own repair on a copy, removes the records
 * that still do not parse, sets the next id above every id ever handed out, and puts the copy in
 * place. Both refuse while a server uses the folder (it answers on the control socket).
 */
import { access, cp, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { FILE_ID } from '../../shared/file-name';
import type { ChatMessage } from '../../shared/protocol';
import { ChatServerError } from '../errors';
import { serverUsing } from '../control-socket';
import {
  clearDamage,
  damageReportedByLevelDb,
  inspectBeforeOpen,
  openFailure,
} from './history-damage';
import { ID_BLOCK, readIdMarks, writeIdMarks, type IdMarks } from './id-watermark';

export interface RoomCount {
  room: string;
  messages: number;
}

export interface CheckReport {
  /** What is wrong, each worded for a person; empty when the folder is sound. */
  problems: string[];
  /** The messages that can be read, per room. */
  rooms: RoomCount[];
  /** The highest message id found (0 when none). */
  highestId: number;
  /** Ids that were acknowledged and are not there: `from` to `to`, or null. */
  missingIds: { from: number; to: number } | null;
}

export interface RepairReport extends CheckReport {
  /** What a check found before the repair (the damage repaired, or that could not be). */
  foundBefore: string[];
  /** Where the folder as it was before the repair is kept. */
  original: string;
  /** Records removed because they could not be read, and why. */
  removed: string[];
  /** New messages are numbered from here on (+1). */
  nextIdAfter: number;
}

export const MESSAGE_KEY = /^msg!(.+)!(\d{16})$/;
const FILE_REFERENCE_KEY = /^fileref!([0-9a-f]{64})!(.+)!(\d{16})$/;

/**
 * The folder's history, or a refusal when it has none or a server is using it (`whileRunning`
 * says what to do then).
 */
export async function historyOf(
  dataDir: string,
  whileRunning = 'Stop it first (a backup needs no stop: `parley backup`).',
): Promise<string> {
  const history = join(dataDir, 'history');
  try {
    await access(history);
  } catch {
    throw new ChatServerError(
      'data_unavailable',
      `${dataDir} holds no Parley data (no history folder).`,
    );
  }
  if (await serverUsing(dataDir)) {
    throw new ChatServerError(
      'data_in_use',
      `A Parley server is using ${dataDir}. ${whileRunning}`,
    );
  }
  return history;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export function isMessage(value: unknown): value is ChatMessage {
  const message = value as ChatMessage;
  return (
    typeof message === 'object' &&
    message !== null &&
    Number.isSafeInteger(message.id) &&
    message.id > 0 &&
    typeof message.room === 'string' &&
    typeof message.clientId === 'string' &&
    typeof message.text === 'string' &&
    typeof message.sentAt === 'number' &&
    typeof message.author?.id === 'string' &&
    typeof message.author?.nickname === 'string' &&
    (message.file === undefined || FILE_ID.test(String(message.file.id)))
  );
}

interface Walk {
  problems: string[];
  rooms: Map<string, number>;
  highestId: number;
  metaLastId: number;
  /** Keys that cannot be kept, with the reason. */
  unreadable: Array<{ key: string; reason: string }>;
}

/** Reads every record of an open database (values as text, so that a bad one is ours to see). */
async function walk(db: ClassicLevel<string, string>, filesRoot: string): Promise<Walk> {
  const result: Walk = {
    problems: [],
    rooms: new Map(),
    highestId: 0,
    metaLastId: 0,
    unreadable: [],
  };
  const messageKeys = new Set<string>();
  const references: Array<{ key: string; fileId: string; messageKey: string }> = [];
  const filesCarried = new Map<string, number>();
  for await (const [key, text] of db.iterator()) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      result.unreadable.push({ key, reason: 'not JSON' });
      continue;
    }
    const message = MESSAGE_KEY.exec(key);
    if (message) {
      const [, room, id] = message;
      if (!isMessage(value) || value.room !== room || value.id !== Number(id)) {
        result.unreadable.push({ key, reason: 'not a message of that room and id' });
        continue;
      }
      messageKeys.add(key);
      result.rooms.set(room!, (result.rooms.get(room!) ?? 0) + 1);
      result.highestId = Math.max(result.highestId, value.id);
      if (value.file) filesCarried.set(value.file.id, (filesCarried.get(value.file.id) ?? 0) + 1);
      continue;
    }
    const reference = FILE_REFERENCE_KEY.exec(key);
    if (reference) {
      references.push({
        key,
        fileId: reference[1]!,
        messageKey: `msg!${reference[2]}!${reference[3]}`,
      });
    } else if (key === 'meta!lastId') {
      if (!Number.isSafeInteger(value)) result.unreadable.push({ key, reason: 'not a number' });
      else result.metaLastId = value as number;
    }
  }
  for (const { key, messageKey } of references) {
    if (!messageKeys.has(messageKey)) {
      result.unreadable.push({ key, reason: 'refers to a message that is not there' });
    }
  }
  let missingFiles = 0;
  for (const fileId of filesCarried.keys()) {
    if (!(await exists(join(filesRoot, fileId.slice(0, 2), fileId)))) missingFiles++;
  }
  if (missingFiles > 0) {
    result.problems.push(
      `${missingFiles} file(s) that messages carry are missing from ${filesRoot} (the messages are kept; the files cannot be downloaded)`,
    );
  }
  if (result.metaLastId < result.highestId) {
    result.problems.push(
      `the recorded last id (${result.metaLastId}) is below the highest message id (${result.highestId}): ids would be reused`,
    );
  }
  for (const { key, reason } of result.unreadable) {
    result.problems.push(`record ${key} cannot be used: ${reason}`);
  }
  return result;
}

/** Ids acknowledged but not found, from the id marks. */
function missing(marks: IdMarks | null, walked: Walk): CheckReport['missingIds'] {
  const found = Math.max(walked.highestId, walked.metaLastId);
  return marks && marks.acknowledged > found ? { from: found + 1, to: marks.acknowledged } : null;
}

/** Opens (a copy of) a history folder and walks it; problems found on the way go in the report. */
async function inspect(
  directory: string,
  filesRoot: string,
): Promise<{ walked: Walk | null; marks: IdMarks | null; problems: string[] }> {
  const problems: string[] = [];
  const before = await inspectBeforeOpen(directory);
  if (before.damage !== null) problems.push(before.damage);
  let marks: IdMarks | null = null;
  try {
    marks = await readIdMarks(directory);
  } catch (error) {
    problems.push(`its id marks cannot be read (${(error as Error).message})`);
  }
  if (before.fresh) return { walked: null, marks, problems };
  if (!(await exists(join(directory, 'CURRENT')))) return { walked: null, marks, problems };
  const db = new ClassicLevel<string, string>(directory, {
    valueEncoding: 'utf8',
    createIfMissing: false,
  });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    problems.push(await openFailure(directory, cause?.message ?? (error as Error).message));
    return { walked: null, marks, problems };
  }
  try {
    for (const line of await damageReportedByLevelDb(directory)) {
      problems.push(`LevelDB dropped what it could not read: ${line}`);
    }
    const walked = await walk(db, filesRoot);
    problems.push(...walked.problems);
    const lost = missing(marks, walked);
    if (lost) {
      problems.push(
        `messages with ids ${lost.from} to ${lost.to} were acknowledged and are missing`,
      );
    }
    return { walked, marks, problems };
  } finally {
    await db.close();
  }
}

const roomCounts = (walked: Walk | null): RoomCount[] =>
  [...(walked?.rooms ?? new Map<string, number>())].map(([room, messages]) => ({ room, messages }));

/** Checks `dataDir` without changing it. */
export async function checkData(dataDir: string): Promise<CheckReport> {
  const history = await historyOf(dataDir);
  // Beside the data, not in the temporary folder: that may be a small RAM disk.
  const copy = await mkdtemp(join(dataDir, 'check-'));
  try {
    await cp(history, copy, { recursive: true });
    const { walked, marks, problems } = await inspect(copy, join(dataDir, 'files'));
    return {
      problems,
      rooms: roomCounts(walked),
      highestId: walked?.highestId ?? 0,
      missingIds: walked ? missing(marks, walked) : null,
    };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/** Repairs `dataDir`: see the header. */
export async function repairData(dataDir: string, now = new Date()): Promise<RepairReport> {
  const foundBefore = (await checkData(dataDir)).problems;
  const history = await historyOf(dataDir);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const original = join(dataDir, `history-before-repair-${stamp}`);
  const work = join(dataDir, 'history-repairing');
  await cp(history, original, { recursive: true });
  await rm(work, { recursive: true, force: true });
  await cp(history, work, { recursive: true });
  await clearDamage(work);
  let marks: IdMarks | null = null;
  try {
    marks = await readIdMarks(work);
  } catch {
    // Unreadable marks: the new ids start a block above the highest id found instead.
  }
  await ClassicLevel.repair(work);

  const db = new ClassicLevel<string, string>(work, {
    valueEncoding: 'utf8',
    createIfMissing: true,
  });
  await db.open();
  let walked: Walk;
  let nextIdAfter: number;
  try {
    walked = await walk(db, join(dataDir, 'files'));
    const found = Math.max(walked.highestId, walked.metaLastId);
    nextIdAfter = Math.max(found, marks?.reserved ?? found + ID_BLOCK, marks?.acknowledged ?? 0);
    await db.batch(
      [
        ...walked.unreadable.map(({ key }) => ({ type: 'del' as const, key })),
        { type: 'put' as const, key: 'meta!lastId', value: JSON.stringify(nextIdAfter) },
      ],
      { sync: true },
    );
  } finally {
    await db.close();
  }
  await writeIdMarks(work, { reserved: nextIdAfter, acknowledged: nextIdAfter });
  const replaced = join(dataDir, 'history-replaced');
  await rm(replaced, { recursive: true, force: true });
  await rename(history, replaced);
  await rename(work, history);
  await rm(replaced, { recursive: true, force: true });

  const after = await checkData(dataDir);
  return {
    ...after,
    foundBefore,
    missingIds: missing(marks, walked),
    original,
    removed: walked.unreadable.map(({ key, reason }) => `${key} (${reason})`),
    nextIdAfter,
  };
}
