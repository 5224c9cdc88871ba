/**
 * The local control socket of a running server: how `parley backup` gets a consistent copy of
 * data that the server holds open (LevelDB's lock keeps every other process out), and how the
 * data commands tell that a server is using a folder. It is a Unix socket in
 * `<data>/control/` (a folder only the owner may enter: whoever can reach the socket can have the
 * data copied); on Windows a named pipe named after the folder. One JSON line asks, one answers.
 * `parley release-name` asks it too, to free a nickname while the server runs, and
 * `parley admin-link` for a new one-time admin link.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { Result } from '../shared/result';
import { fail } from '../shared/result';
import { ChatServerError } from './errors';

const requestSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('ping') }),
  z.object({ command: z.literal('backup'), to: z.string().min(1) }),
  z.object({ command: z.literal('release-name'), nickname: z.string().min(1).max(256) }),
  z.object({ command: z.literal('admin-link') }),
]);
export type ControlRequest = z.infer<typeof requestSchema>;
export type ControlReply = Result<Record<string, unknown>>;

export interface ControlHandlers {
  backup(to: string): Promise<Record<string, unknown>>;
  /** Frees a nickname (see People.release): `released` is the name as it was, or null. */
  releaseName(nickname: string): Promise<{ released: string | null }>;
  /** A new one-time admin link (the previous one stops working). */
  adminLink(): Promise<{ link: string }>;
}

export function controlPath(dataDir: string): string {
  if (process.platform === 'win32') {
    const digest = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 32);
    return `\\\\.\\pipe\\parley-${digest}`;
  }
  return join(dataDir, 'control', 'socket');
}

/**
 * Listens on the control socket of `dataDir`. Call it only while holding the data (the history
 * is open): a socket file left by a server that was killed is then stale and replaced.
 */
export async function startControlSocket(
  dataDir: string,
  handlers: ControlHandlers,
  onError: (error: unknown) => void,
): Promise<{ close(): Promise<void> }> {
  const path = controlPath(dataDir);
  if (process.platform !== 'win32') {
    const folder = join(dataDir, 'control');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    await rm(path, { force: true });
  }
  const server: Server = createServer((connection) => {
    let buffered = '';
    connection.setEncoding('utf8');
    connection.on('error', onError);
    connection.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > 64 * 1024) connection.destroy();
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      connection.removeAllListeners('data');
      void answer(buffered.slice(0, end), handlers).then(
        (reply) => connection.end(`${JSON.stringify(reply)}\n`),
        (error: unknown) => {
          onError(error);
          connection.end(`${JSON.stringify(fail('internal', 'The server failed.'))}\n`);
        },
      );
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  server.on('error', onError);
  if (process.platform !== 'win32') await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
      }),
  };
}

async function answer(line: string, handlers: ControlHandlers): Promise<ControlReply> {
  let request: ControlRequest;
  try {
    request = requestSchema.parse(JSON.parse(line));
  } catch {
    return fail('invalid_payload', 'Not a control request.');
  }
  if (request.command === 'ping') return { ok: true };
  try {
    if (request.command === 'release-name') {
      return { ok: true, ...(await handlers.releaseName(request.nickname)) };
    }
    if (request.command === 'admin-link') return { ok: true, ...(await handlers.adminLink()) };
    return { ok: true, ...(await handlers.backup(request.to)) };
  } catch (error) {
    if (error instanceof ChatServerError) return fail(error.code, error.message);
    throw error;
  }
}

/**
 * Asks the server using `dataDir`; null when none answers (no server, or a stale socket).
 * `timeout`: give up after `ms` of silence, with `answer`.
 */
export function sendControl(
  dataDir: string,
  request: ControlRequest,
  timeout?: { ms: number; answer: ControlReply },
): Promise<ControlReply | null> {
  return new Promise((resolveReply, reject) => {
    const connection = createConnection(controlPath(dataDir));
    if (timeout) {
      connection.setTimeout(timeout.ms, () => {
        connection.destroy();
        resolveReply(timeout.answer);
      });
    }
    let buffered = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => (buffered += chunk));
    connection.on('error', (error: NodeJS.ErrnoException) => {
      if (['ENOENT', 'ENOTDIR', 'ECONNREFUSED', 'ENOTSOCK'].includes(error.code ?? ''))
        resolveReply(null);
      else reject(error);
    });
    connection.on('end', () => {
      try {
        resolveReply(JSON.parse(buffered) as ControlReply);
      } catch {
        reject(new Error('The server answered something that is not a control reply.'));
      }
    });
    connection.on('connect', () => connection.write(`${JSON.stringify(request)}\n`));
  });
}

/**
 * Whether a running server answers on `dataDir`'s control socket. One that accepts and does not
 * answer in time counts as running: better refused than a folder changed under a server.
 */
export async function serverUsing(dataDir: string): Promise<boolean> {
  const busy = fail('internal', 'The server did not answer in time.');
  return (await sendControl(dataDir, { command: 'ping' }, { ms: 10_000, answer: busy })) !== null;
}
