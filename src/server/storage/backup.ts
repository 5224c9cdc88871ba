/**
 * Backups of a data folder, and restoring them. A backup is a folder: `history/` (a new LevelDB
 * database written from one snapshot of the server's: every record as it stood at one moment),
 * `files/` (the files those messages carry; files are content-addressed and never change, so
 * copying them while the server runs is safe) and PARLEY-BACKUP.json, written last, so a backup
 * cut short is recognisably incomplete. A running server writes the backup itself (asked over
 * its control socket); with no server running, `parley backup` opens the folder itself.
 *
 * A restore carries the highest id ever reserved along (from the backup and from the folder it
 * replaces), so messages sent after it never get an id that clients already saw.
 */
import {
  access,
  copyFile,
  cp,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ChatServerError } from '../errors';
import { serverUsing, startControlSocket, type ControlHandlers } from '../control-socket';
import { EmbeddedHistory } from './embedded-history';
import type { HistoryStore } from './history-store';
import { LevelMessageStore } from './level-message-store';
import { readIdMarks, writeIdMarks, type IdMarks } from './id-watermark';

export const BACKUP_FILE = 'PARLEY-BACKUP.json';

export interface BackupSummary {
  /** ISO time the snapshot was taken. */
  takenAt: string;
  messages: number;
  rooms: number;
  files: number;
  /** Ids of files messages carry that were not in the files folder. */
  missingFiles: string[];
  /** The highest id the backup's history knows of (reserved: see id-watermark.ts). */
  lastId: number;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** An empty (or absent) folder to write into, or a refusal. */
async function emptyFolder(path: string, what: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (names.length > 0) {
    throw new ChatServerError(
      'data_unavailable',
      `${path} is not empty: ${what} needs an empty or new folder.`,
    );
  }
  await mkdir(path, { recursive: true });
}

/**
 * Writes a backup of the open database `db` (one snapshot) and of the files its messages carry
 * (from `filesRoot`) into the empty folder `to`.
 */
export async function writeBackup(
  db: ClassicLevel<string, unknown>,
  marks: IdMarks | null,
  filesRoot: string,
  to: string,
): Promise<BackupSummary> {
  await emptyFolder(to, 'a backup');
  const takenAt = new Date().toISOString();
  // The iterator reads one snapshot, taken now: writes that come later are not in it.
  const records = db.iterator<string, string>({ keyEncoding: 'utf8', valueEncoding: 'utf8' });
  const target = new ClassicLevel<string, string>(join(to, 'history'), { valueEncoding: 'utf8' });
  await target.open();
  let messages = 0;
  const rooms = new Set<string>();
  const fileIds = new Set<string>();
  let lastId = 0;
  try {
    let batch: Array<{ type: 'put'; key: string; value: string }> = [];
    for await (const [key, value] of records) {
      batch.push({ type: 'put', key, value });
      if (key.startsWith('msg!')) {
        messages++;
        rooms.add(key.split('!')[1]!);
      } else if (key.startsWith('room!')) rooms.add(key.slice('room!'.length));
      else if (key.startsWith('fileref!')) fileIds.add(key.split('!')[1]!);
      else if (key === 'meta!lastId') lastId = Number(JSON.parse(value));
      if (batch.length >= 1000) {
        await target.batch(batch);
        batch = [];
      }
    }
    await target.batch(batch, { sync: true });
  } finally {
    await records.close();
    await target.close();
  }
  const reserved = Math.max(lastId, marks?.reserved ?? 0);
  await writeIdMarks(join(to, 'history'), { reserved, acknowledged: lastId });
  const missingFiles: string[] = [];
  for (const id of fileIds) {
    const from = join(filesRoot, id.slice(0, 2), id);
    if (!(await exists(from))) {
      missingFiles.push(id);
      continue;
    }
    await mkdir(join(to, 'files', id.slice(0, 2)), { recursive: true });
    await copyFile(from, join(to, 'files', id.slice(0, 2), id));
  }
  const summary: BackupSummary = {
    takenAt,
    messages,
    rooms: rooms.size,
    files: fileIds.size - missingFiles.length,
    missingFiles,
    lastId: reserved,
  };
  await writeFile(
    join(to, BACKUP_FILE),
    `${JSON.stringify({ version: 1, ...summary }, null, 2)}\n`,
  );
  return summary;
}

/** Backs up `dataDir` with no server running: opens it (refusing damage) and writes the backup. */
export async function backupStopped(dataDir: string, to: string): Promise<BackupSummary> {
  const directory = join(dataDir, 'history');
  if (!(await exists(directory))) {
    throw new ChatServerError(
      'data_unavailable',
      `${dataDir} holds no Parley data (no history folder).`,
    );
  }
  const store = await LevelMessageStore.open(directory);
  try {
    return await writeBackup(store.db, await readIdMarks(directory), join(dataDir, 'files'), to);
  } finally {
    await store.close();
  }
}

export interface RestoreSummary extends BackupSummary {
  /** Where the data that was replaced went (with force), or null. */
  replacedTo: string | null;
  /** New messages are numbered after this id. */
  nextIdAfter: number;
}

/** Restores the backup in `from` into `dataDir`; see the header. */
export async function restoreBackup(
  from: string,
  dataDir: string,
  options: { force?: boolean; now?: Date } = {},
): Promise<RestoreSummary> {
  let backup: BackupSummary;
  try {
    backup = JSON.parse(await readFile(join(from, BACKUP_FILE), 'utf8')) as BackupSummary;
  } catch {
    throw new ChatServerError(
      'data_unavailable',
      `${from} is not a complete Parley backup (no ${BACKUP_FILE}); it cannot be restored.`,
    );
  }
  if (await serverUsing(dataDir)) {
    throw new ChatServerError(
      'data_in_use',
      `A Parley server is using ${dataDir}. Stop it before restoring.`,
    );
  }
  const history = join(dataDir, 'history');
  const files = join(dataDir, 'files');
  const existing = (await exists(history)) || (await exists(files));
  if (existing && !options.force) {
    throw new ChatServerError(
      'data_unavailable',
      `${dataDir} already holds Parley data. Add --force to replace it (it is moved aside, not deleted).`,
    );
  }
  // The folder replaced may know of higher ids than the backup: new ids start above both.
  let replacedMarks: IdMarks | null = null;
  try {
    replacedMarks = existing ? await readIdMarks(history) : null;
  } catch {
    // Unreadable marks in a folder being replaced: the backup's are used.
  }
  const restoring = join(dataDir, 'history-restoring');
  await rm(restoring, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await cp(join(from, 'history'), restoring, { recursive: true });
  const nextIdAfter = Math.max(
    backup.lastId,
    replacedMarks?.reserved ?? 0,
    replacedMarks?.acknowledged ?? 0,
  );
  const db = new ClassicLevel<string, unknown>(restoring, {
    valueEncoding: 'json',
    createIfMissing: false,
  });
  await db.open();
  try {
    await db.put('meta!lastId', nextIdAfter, { sync: true });
  } finally {
    await db.close();
  }
  await writeIdMarks(restoring, { reserved: nextIdAfter, acknowledged: nextIdAfter });

  let replacedTo: string | null = null;
  if (existing) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    replacedTo = join(dataDir, `replaced-by-restore-${stamp}`);
    await mkdir(replacedTo);
    if (await exists(history)) await rename(history, join(replacedTo, 'history'));
    if (await exists(files)) await rename(files, join(replacedTo, 'files'));
  }
  if (await exists(join(from, 'files'))) await cp(join(from, 'files'), files, { recursive: true });
  else await mkdir(files, { recursive: true });
  await rename(restoring, history);
  return { ...backup, replacedTo, nextIdAfter };
}

/**
 * The running server's side of `parley backup`: its control socket (control-socket.ts), which
 * writes a backup from the open database. Null without a data folder or an embedded history; a
 * socket that cannot be opened is reported and the server runs without it.
 */
export async function startBackupControl(
  dataDir: string | null | undefined,
  history: HistoryStore,
  onError: (error: unknown) => void,
  releaseName: ControlHandlers['releaseName'],
  adminLink: ControlHandlers['adminLink'],
): Promise<{ close(): Promise<void> } | null> {
  if (!dataDir || !(history instanceof EmbeddedHistory) || history.database === null) return null;
  const db = history.database;
  const backup = async (to: string) => {
    if (!isAbsolute(to)) {
      throw new ChatServerError(
        'invalid_payload',
        `The backup folder must be a full path, not "${to}".`,
      );
    }
    return { ...(await writeBackup(db, history.idMarks, join(dataDir, 'files'), to)) };
  };
  try {
    return await startControlSocket(dataDir, { backup, releaseName, adminLink }, onError);
  } catch (error) {
    onError(error);
    return null;
  }
}
