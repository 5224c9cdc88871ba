/**
 * Damage is never silent. LevelDB recovers from a damaged folder as best it can and says so only
 * in its own LOG file (or not at all: a truncated log just ends early; a folder without CURRENT
 * becomes a new, empty database that deletes the old tables). This module looks at the folder
 * before LevelDB opens it and at LevelDB's LOG right after, and turns what it finds into one
 * clear refusal that names the damage and what to do. Damage found once is written down
 * (PARLEY-DAMAGE), because LevelDB drops what it could not read at that first open and a second
 * open would look clean.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChatServerError } from '../errors';

/** Written into the history folder when damage was found; `parley check --repair` removes it. */
export const DAMAGE_FILE = 'PARLEY-DAMAGE';

/** The files LevelDB itself keeps in its folder (its own names; Parley's start with PARLEY-). */
const LEVELDB_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(log|ldb|sst))$/;

/** The folder's entries, or [] when it does not exist. */
async function entries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * What is wrong with the folder before LevelDB opens it, or null. `fresh`: the folder holds no
 * database yet, so LevelDB may create one (it must never create one where one existed).
 */
export async function inspectBeforeOpen(
  directory: string,
): Promise<{ damage: string | null; fresh: boolean }> {
  const names = await entries(directory);
  const levelFiles = names.filter((name) => LEVELDB_FILE.test(name));
  if (names.includes(DAMAGE_FILE)) {
    const recorded = (await readFile(join(directory, DAMAGE_FILE), 'utf8')).trim();
    return { damage: recorded || 'damage was found at an earlier start', fresh: false };
  }
  if (levelFiles.length > 0 && !names.includes('CURRENT')) {
    return {
      damage:
        `its CURRENT file is missing (the folder still holds ${levelFiles.join(', ')}); ` +
        'opening it as it is would start an empty history and delete the old one',
      fresh: false,
    };
  }
  return { damage: null, fresh: levelFiles.length === 0 };
}

/**
 * The lines of LevelDB's LOG (written afresh at every open) that report records it dropped or
 * could not read during this open.
 */
export async function damageReportedByLevelDb(directory: string): Promise<string[]> {
  let log: string;
  try {
    log = await readFile(join(directory, 'LOG'), 'utf8');
  } catch {
    return [];
  }
  return log
    .split('\n')
    .filter((line) => /corruption|dropping|ignoring error/i.test(line))
    .map((line) => line.replace(/^\S+ \S+ /, '').trim());
}

/** Why LevelDB could not open the folder, naming the file when LevelDB's words point at one. */
export async function openFailure(directory: string, cause: string): Promise<string> {
  let manifest = 'MANIFEST';
  try {
    manifest = (await readFile(join(directory, 'CURRENT'), 'utf8')).trim() || manifest;
  } catch {
    // No CURRENT to read: the generic name will do.
  }
  return /descriptor|manifest/i.test(cause)
    ? `its ${manifest} file (LevelDB's list of its own files) is damaged: LevelDB says "${cause}"`
    : `LevelDB cannot open it: "${cause}"`;
}

/** Writes the damage down so that the next open refuses too, until a repair. */
export async function recordDamage(directory: string, damage: string): Promise<void> {
  await writeFile(join(directory, DAMAGE_FILE), `${damage}\n`);
}

export async function clearDamage(directory: string): Promise<void> {
  await rm(join(directory, DAMAGE_FILE), { force: true });
}

/** What the person can do about damage, for a history folder `<data>/history`. */
export function remedy(directory: string): string {
  const data = dirname(directory);
  return (
    `To keep what can still be read, run \`parley check --data ${data} --repair\` ` +
    `(it copies the folder first and says what it kept and what it could not); ` +
    `or restore a backup with \`parley restore --from BACKUP --data ${data} --force\`.`
  );
}

/** The refusal for a damaged history folder: what is damaged, that nothing started, what to do. */
export function damagedError(directory: string, damage: string): ChatServerError {
  return new ChatServerError(
    'data_damaged',
    `The message history in ${directory} is damaged: ${damage}. ` +
      `Parley did not start, so nothing more is lost. ${remedy(directory)}`,
  );
}
