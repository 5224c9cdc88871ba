/**
 * `parley backup`, `parley restore`, `parley check`, `parley release-name` and `parley
 * admin-link`: the data folder's
 * commands (cli.ts dispatches them here). Each prints what it did in words, and a refusal says why and what to do.
 */
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './cli';
import { controlPath, sendControl } from './control-socket';
import { ChatServerError } from './errors';
import { backupStopped, restoreBackup, type BackupSummary } from './storage/backup';
import { checkData, repairData, type CheckReport } from './storage/data-check';
import { LevelMessageStore } from './storage/level-message-store';
import { People } from './people';

export const DATA_COMMANDS = ['backup', 'restore', 'check', 'release-name', 'admin-link'] as const;
export type DataCommand = (typeof DATA_COMMANDS)[number];

export const DATA_USAGE = `Usage: parley backup --data DIR --to BACKUP
       parley restore --from BACKUP --data DIR [--force]
       parley check --data DIR [--repair]
       parley release-name --data DIR --nickname NAME
       parley admin-link --data DIR

  backup    copies the data folder DIR into the new folder BACKUP: the history as it stood
            at one moment, and the files its messages carry. Works while a server runs on
            DIR (the server writes the copy) and when none does.
  restore   puts a backup into DIR. Refuses while a server uses DIR, and refuses to
            replace data already in DIR unless given --force (it is then moved aside).
  check     reads every record in DIR and says what is wrong, changing nothing. With
            --repair it mends the folder (keeping the original beside it) and says what
            it kept and what it could not. Refuses while a server uses DIR.
  release-name
            frees NAME (and the names that look like it) on the server of DIR: the person
            it belonged to (who lost their device key, say) keeps their conversations but
            not the name, and whoever joins with it next holds it. Works while a server
            runs on DIR and when none does.
  admin-link
            prints a new one-time admin link of the server running on DIR (the one it
            printed at start, if unused, stops working): whoever opens it becomes an admin.
`;

const OPTIONS = {
  backup: { data: { type: 'string' }, to: { type: 'string' } },
  restore: { from: { type: 'string' }, data: { type: 'string' }, force: { type: 'boolean' } },
  check: { data: { type: 'string' }, repair: { type: 'boolean' } },
  'release-name': { data: { type: 'string' }, nickname: { type: 'string' } },
  'admin-link': { data: { type: 'string' } },
} as const;

const REQUIRED: Record<DataCommand, string[]> = {
  backup: ['data', 'to'],
  restore: ['from', 'data'],
  check: ['data'],
  'release-name': ['data', 'nickname'],
  'admin-link': ['data'],
};

export function isDataCommand(command: string): command is DataCommand {
  return (DATA_COMMANDS as readonly string[]).includes(command);
}

/** Runs one of the data commands; resolves with the exit code. */
export async function runDataCommand(
  command: DataCommand,
  args: string[],
  io: CliIo,
): Promise<number> {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    const options: NonNullable<ParseArgsConfig['options']> = {
      ...OPTIONS[command],
      help: { type: 'boolean', short: 'h' },
    };
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${DATA_USAGE}`);
    return 1;
  }
  if (values['help']) {
    io.out(DATA_USAGE);
    return 0;
  }
  const absent = REQUIRED[command].filter((name) => typeof values[name] !== 'string');
  if (absent.length > 0) {
    io.err(
      `parley ${command} needs ${absent.map((name) => `--${name}`).join(' and ')}.\n\n${DATA_USAGE}`,
    );
    return 1;
  }
  const path = (name: string) => resolve(values[name] as string);
  try {
    if (command === 'backup') return await backup(path('data'), path('to'), io);
    if (command === 'restore')
      return await restore(path('from'), path('data'), values['force'] === true, io);
    if (command === 'release-name')
      return await releaseName(path('data'), values['nickname'] as string, io);
    if (command === 'admin-link') return await adminLink(path('data'), io);
    return await check(path('data'), values['repair'] === true, io);
  } catch (error) {
    io.err(
      error instanceof ChatServerError
        ? error.message
        : `parley ${command} failed: ${(error as Error).message}`,
    );
    return 1;
  }
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function describeBackup(summary: BackupSummary): string {
  const missing =
    summary.missingFiles.length > 0
      ? ` ${summary.missingFiles.length} file(s) the messages carry were missing and are not in it.`
      : '';
  return (
    `${count(summary.messages, 'message')} in ${count(summary.rooms, 'room')} and ` +
    `${count(summary.files, 'file')}, ` +
    `as they stood at ${summary.takenAt}.${missing}`
  );
}

async function backup(dataDir: string, to: string, io: CliIo): Promise<number> {
  const reply = await sendControl(dataDir, { command: 'backup', to });
  if (reply !== null && !reply.ok) {
    io.err(reply.error.message);
    return 1;
  }
  if (reply !== null) {
    io.out(`Backed up the running server's data in ${dataDir} to ${to}:`);
    io.out(`  ${describeBackup(reply as unknown as BackupSummary)}`);
    return 0;
  }
  let summary: BackupSummary;
  try {
    summary = await backupStopped(dataDir, to);
  } catch (error) {
    if (!(error instanceof ChatServerError && error.code === 'data_in_use')) throw error;
    // A server holds the data but did not answer: one from before control sockets, or one
    // whose socket could not be made (a path too long for a Unix socket, say).
    io.err(
      `A Parley server is using ${dataDir} but does not answer on ${controlPath(dataDir)}, so it ` +
        'cannot be asked for a consistent copy. Stop it (Ctrl+C) and run the backup again.',
    );
    return 1;
  }
  io.out(`Backed up ${dataDir} to ${to} (no server was running):`);
  io.out(`  ${describeBackup(summary)}`);
  return 0;
}

async function adminLink(dataDir: string, io: CliIo): Promise<number> {
  const reply = await sendControl(dataDir, { command: 'admin-link' });
  if (reply === null) {
    io.err(
      `No Parley server is running on ${dataDir}: an admin link works only while it runs. ` +
        'Start it (parley serve --data DIR), which prints one.',
    );
    return 1;
  }
  if (!reply.ok) {
    io.err(reply.error.message);
    return 1;
  }
  io.out('Admin link (works once: whoever opens it becomes an admin of this server):');
  io.out(`  ${(reply as unknown as { link: string }).link}`);
  return 0;
}

async function releaseName(dataDir: string, nickname: string, io: CliIo): Promise<number> {
  let released: string | null;
  const reply = await sendControl(dataDir, { command: 'release-name', nickname });
  if (reply !== null && !reply.ok) {
    io.err(reply.error.message);
    return 1;
  }
  if (reply !== null) {
    released = (reply as unknown as { released: string | null }).released;
  } else {
    // No server runs on it: the folder is changed directly (LevelDB's lock keeps a server out).
    const store = await LevelMessageStore.open(join(dataDir, 'history'));
    try {
      released = await (await People.open(store)).release(nickname);
    } finally {
      await store.close();
    }
  }
  if (released === null) {
    io.err(`Nobody on the server of ${dataDir} holds the name "${nickname}".`);
    return 1;
  }
  io.out(`Released "${released}": whoever joins with it next holds it.`);
  return 0;
}

async function restore(from: string, dataDir: string, force: boolean, io: CliIo): Promise<number> {
  const summary = await restoreBackup(from, dataDir, { force });
  io.out(`Restored ${from} into ${dataDir}:`);
  io.out(`  ${describeBackup(summary)}`);
  if (summary.replacedTo) io.out(`The data it replaced was moved to ${summary.replacedTo}.`);
  io.out(
    `Messages sent after the backup was taken are not in it. New messages are numbered after ${summary.nextIdAfter}, so no id is used twice.`,
  );
  return 0;
}

function describeRooms(report: CheckReport): string[] {
  if (report.rooms.length === 0) return ['  no messages'];
  return report.rooms.map(({ room, messages }) => `  ${room}: ${count(messages, 'message')}`);
}

async function check(dataDir: string, repair: boolean, io: CliIo): Promise<number> {
  if (!repair) {
    const report = await checkData(dataDir);
    if (report.problems.length === 0) {
      io.out(`${dataDir} is sound. Messages (up to id ${report.highestId}):`);
      for (const line of describeRooms(report)) io.out(line);
      return 0;
    }
    io.out(`${dataDir} is damaged:`);
    for (const problem of report.problems) io.out(`  - ${problem}`);
    io.out('What can be read now:');
    for (const line of describeRooms(report)) io.out(line);
    io.out(
      `Run \`parley check --data ${dataDir} --repair\` to keep what can be read, ` +
        `or restore a backup with \`parley restore --from BACKUP --data ${dataDir} --force\`.`,
    );
    return 2;
  }
  const report = await repairData(dataDir);
  io.out(`Repaired ${dataDir}. The folder as it was is kept in ${report.original}.`);
  if (report.foundBefore.length > 0) {
    io.out('Found before the repair:');
    for (const problem of report.foundBefore) io.out(`  - ${problem}`);
  }
  io.out('Kept:');
  for (const line of describeRooms(report)) io.out(line);
  const lost = report.missingIds;
  if (lost) {
    io.out(
      `Could not recover: the messages with ids ${lost.from} to ${lost.to} (${lost.to - lost.from + 1}), acknowledged before the damage; they are lost unless a backup holds them.`,
    );
  }
  if (report.removed.length > 0) {
    io.out(`Removed ${report.removed.length} record(s) that could not be read:`);
    for (const removed of report.removed) io.out(`  - ${removed}`);
  }
  if (!lost && report.removed.length === 0) {
    io.out(
      report.foundBefore.some((problem) => /missing files|dropped/i.test(problem))
        ? 'Messages in the parts found missing or dropped above are lost; how many, the folder cannot tell.'
        : 'Nothing that could be found was lost.',
    );
  }
  io.out(`New messages are numbered after ${report.nextIdAfter}, so no id is used twice.`);
  if (report.problems.length > 0) {
    io.out('Still wrong after the repair:');
    for (const problem of report.problems) io.out(`  - ${problem}`);
    return 2;
  }
  return 0;
}
