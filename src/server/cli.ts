/**
 * `parley serve`: the headless server over createChatServer. Most of this file is the command
 * line (its usage text, and a clear error for each bad option); the rest starts the server,
 * prints the URLs to join, advertises it when asked and shuts down cleanly on Ctrl+C (SIGINT) or
 * SIGTERM.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, LIMITS } from '../shared/limits';
import { SERVICE_TYPE } from '../shared/room-announcement';
import { buildAdminLink } from '../shared/admin-link';
import { ChatServerError, createChatServer, type RateLimit } from './chat-server';
import { describeForLog } from './errors';
import { LIMIT_OPTIONS, LIMITS_USAGE, parseLimitFlags } from './cli-limits';
import { isDataCommand, runDataCommand } from './data-commands';
import { databaseUrlFrom } from './database-url';
import { advertiseRoom, type RoomAdvertisement } from './discovery';
import { runMigrate } from './migrate-command';
import { describeUrl } from './storage/postgres-history';
import { loadTlsFiles, TlsError, type TlsCredentials } from './tls';

const USAGE = `Usage: parley serve [options]

Runs a Parley chat server without the desktop app. Anyone on the network joins from the
Parley app or from a browser at one of the printed URLs. It also prints an admin link, new at
every start, that works once: whoever opens it in a browser becomes an admin (admins make
moderators, remove people, rename and release names).

Options:
  --port N       port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --host ADDR    address to bind (default 0.0.0.0 = every network interface)
  --data DIR     data directory (default ./parley-data)
  --database URL keep history, rooms and people in PostgreSQL instead of the data
                 directory: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (sent files
                 stay in --data). The server creates and migrates its tables. Better
                 with a password: set PARLEY_DATABASE_URL, off the process list
  --name NAME    server name shown to people who join (default: this machine's name)
  --advertise    announce the room on the local network (LAN discovery, mDNS), so that
                 Parley apps nearby list it; off by default
  --advertise-interface ADDR
                 announce only on the network interface with this IPv4 address
                 (implies --advertise; default every interface)
  --tls-cert FILE, --tls-key FILE
                 serve https and wss with this certificate and its private key
                 (PEM files; give both). Prints the certificate's SHA-256
                 fingerprint for people to compare
  --passphrase TEXT
                 people must give this passphrase to join (stored only as a hash).
                 Better: set PARLEY_PASSPHRASE in the environment instead, which
                 other users of this machine cannot read from the process list
  --allowed-host NAME
                 also answer requests for this host name (a DNS name of this machine,
                 or a reverse proxy's); repeatable. Addresses, localhost and this
                 machine's name always work; other names are refused (DNS rebinding)
  --retention N  messages each room keeps (default ${LIMITS.roomRetention}); older ones are deleted
  --max-file-size MB
                 the largest file people may send, in MB (default ${LIMITS.maxFileBytes / (1024 * 1024)};
                 decimals allowed: 0.5 = 512 KB)
  --max-rooms N  the most rooms people may make, the lobby included (default ${LIMITS.maxRooms})
  --people-page N
                 the most people a join lists, 2 to ${LIMITS.joinPeoplePage} (default ${LIMITS.joinPeoplePage}); the
                 rest are asked for a page at a time
  --message-rate N/SECONDS
                 messages one connection may send per SECONDS (default ${LIMITS.rate.message.points}/${LIMITS.rate.message.durationSeconds});
                 one address may send three times as many
  -h, --help     show this help

The data folder's own commands (see parley backup --help):
  parley backup --data DIR --to BACKUP     copy the data, also while a server runs
  parley restore --from BACKUP --data DIR  put a backup in place (--force to replace)
  parley check --data DIR [--repair]       find damage, and mend it with --repair
  parley migrate --data DIR --database URL move DIR's history, rooms and people into an
                                           empty PostgreSQL database (see --help)

${LIMITS_USAGE}`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the CLI; resolves with the exit code once the server has stopped (or failed to start). */
export async function main(
  argv: string[],
  io: CliIo = { out: console.log, err: console.error },
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (isDataCommand(command)) return runDataCommand(command, rest, io);
  if (command === 'migrate') return runMigrate(rest, io, env);
  if (command !== 'serve') {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 1;
  }

  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        database: { type: 'string' },
        name: { type: 'string' },
        advertise: { type: 'boolean' },
        'advertise-interface': { type: 'string' },
        'message-rate': { type: 'string' },
        retention: { type: 'string' },
        'max-file-size': { type: 'string' },
        'max-rooms': { type: 'string' },
        'people-page': { type: 'string' },
        passphrase: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        ...LIMIT_OPTIONS,
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }

  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if ((values.port !== undefined && !/^\d+$/.test(values.port)) || port > 65535) {
    io.err(`--port must be a number from 0 to 65535, not "${values.port}".`);
    return 1;
  }
  const advertiseInterface = values['advertise-interface'];
  if (advertiseInterface !== undefined && isIP(advertiseInterface) !== 4) {
    io.err(
      `--advertise-interface must be the IPv4 address of a network interface, not "${advertiseInterface}".`,
    );
    return 1;
  }
  const retention = values.retention === undefined ? undefined : Number(values.retention);
  if (
    retention !== undefined &&
    (!/^\d{1,9}$/.test(values.retention!) || retention < LIMITS.joinHistoryLength)
  ) {
    io.err(
      `--retention must be a whole number of messages, at least ${LIMITS.joinHistoryLength}, not "${values.retention}".`,
    );
    return 1;
  }
  const maxFileSize = values['max-file-size'];
  const maxFileBytes =
    maxFileSize === undefined ? undefined : Math.floor(Number(maxFileSize) * 1024 * 1024);
  if (
    maxFileSize !== undefined &&
    (!/^\d{1,6}(\.\d{1,6})?$/.test(maxFileSize) || maxFileBytes === undefined || maxFileBytes < 1)
  ) {
    io.err(
      `--max-file-size must be a number of MB above 0 (like 25 or 0.5), not "${maxFileSize}".`,
    );
    return 1;
  }
  const maxRoomsText = values['max-rooms'];
  const maxRooms = maxRoomsText === undefined ? undefined : Number(maxRoomsText);
  if (maxRoomsText !== undefined && (!/^\d{1,9}$/.test(maxRoomsText) || maxRooms! < 1)) {
    io.err(`--max-rooms must be a whole number of rooms, at least 1, not "${maxRoomsText}".`);
    return 1;
  }
  const peoplePageText = values['people-page'];
  const joinPeoplePage = peoplePageText === undefined ? undefined : Number(peoplePageText);
  if (
    peoplePageText !== undefined &&
    (!/^\d{1,3}$/.test(peoplePageText) ||
      joinPeoplePage! < 2 ||
      joinPeoplePage! > LIMITS.joinPeoplePage)
  ) {
    io.err(
      `--people-page must be a whole number from 2 to ${LIMITS.joinPeoplePage}, not "${peoplePageText}".`,
    );
    return 1;
  }
  const messageRate = parseRate(values['message-rate']);
  if (messageRate === null) {
    io.err(
      `--message-rate must look like 20/10 (messages per seconds), not "${values['message-rate']}".`,
    );
    return 1;
  }
  const limits = parseLimitFlags(values);
  if (!limits.ok) {
    io.err(limits.error);
    return 1;
  }
  const passphrase = values.passphrase ?? env['PARLEY_PASSPHRASE'];
  if (
    passphrase !== undefined &&
    (passphrase === '' || passphrase.length > LIMITS.passphraseMaxLength)
  ) {
    io.err(`The passphrase must be 1 to ${LIMITS.passphraseMaxLength} characters.`);
    return 1;
  }
  const tlsCert = values['tls-cert'];
  const tlsKey = values['tls-key'];
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    io.err(
      `${tlsCert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key'}: ` +
        'give the certificate and its private key together, or neither.',
    );
    return 1;
  }
  let tls: TlsCredentials | null = null;
  if (tlsCert !== undefined && tlsKey !== undefined) {
    try {
      ({ credentials: tls } = await loadTlsFiles(resolve(tlsCert), resolve(tlsKey)));
    } catch (error) {
      io.err(error instanceof TlsError ? error.message : `Cannot use TLS: ${String(error)}`);
      return 1;
    }
  }
  const allowedHosts = values['allowed-host'] ?? [];
  const badHost = allowedHosts.find((name) => !isHostName(name));
  if (badHost !== undefined) {
    io.err(
      `--allowed-host must be a host name such as chat.example.org (no scheme, port or path), not "${badHost}".`,
    );
    return 1;
  }
  const databaseUrl = databaseUrlFrom(values.database, env);
  if (databaseUrl && 'error' in databaseUrl) {
    io.err(databaseUrl.error);
    return 1;
  }
  const database = databaseUrl?.url;
  const advertise = values.advertise === true || advertiseInterface !== undefined;
  const dataDir = resolve(values.data ?? 'parley-data');
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    io.err(`Cannot use data directory ${dataDir}: ${(error as Error).message}`);
    return 1;
  }

  let server;
  try {
    server = await createChatServer({
      host: values.host ?? '0.0.0.0',
      port,
      dataDir,
      database: database ?? null,
      serverName: values.name,
      tls,
      passphrase: passphrase ?? null,
      allowedHosts,
      // No host here: admins come from the admin link (behind a reverse proxy everyone would
      // come from loopback).
      hostIsAdmin: false,
      ...(retention !== undefined && { retention }),
      ...(maxFileBytes !== undefined && { maxFileBytes }),
      ...limits.options,
      ...(maxRooms !== undefined && { maxRooms }),
      ...(joinPeoplePage !== undefined && { joinPeoplePage }),
      ...(messageRate && {
        rateLimits: {
          message: messageRate,
          messagePerAddress: { ...messageRate, points: messageRate.points * 3 },
        },
      }),
    });
  } catch (error) {
    io.err(
      error instanceof ChatServerError
        ? error.message
        : `Could not start: ${(error as Error).message}`,
    );
    if (error instanceof ChatServerError && error.code === 'port_in_use') {
      io.err('Choose another port with --port, or --port 0 for any free port.');
    }
    return 1;
  }

  io.out(`Parley is running. Join at:`);
  for (const url of server.urls) io.out(`  ${url}`);
  if (server.fingerprint !== null) {
    io.out(`TLS certificate fingerprint (SHA-256):\n  ${server.fingerprint}`);
  }
  if (server.passphraseRequired) io.out('Joining needs the passphrase.');
  // A fresh one-time token at every start: whoever opens the link first becomes an admin (on
  // any server of a cluster: the database keeps it).
  // One write: whoever reads the output line by line gets the heading and the link together.
  try {
    const adminLink = buildAdminLink(
      server.urls[0] ?? `http://localhost:${server.port}`,
      await server.newAdminToken(),
    );
    io.out(
      `Admin link (works once: whoever opens it becomes an admin of this server):\n  ${adminLink}`,
    );
  } catch (error) {
    io.err(
      `Could not make an admin link (${describeForLog(error)}); \`parley admin-link\` makes one.`,
    );
  }
  io.out(`Data: ${dataDir}`);
  if (database !== undefined) io.out(`History: PostgreSQL, ${describeUrl(database)}`);

  let advertisement: RoomAdvertisement | null = null;
  let discoveryFailed = false;
  if (advertise) {
    const roomName = values.name ?? hostname();
    advertisement = advertiseRoom(
      {
        port: server.port,
        roomName,
        hostNickname: hostname(),
        fingerprint: server.fingerprint,
        passphraseRequired: server.passphraseRequired,
      },
      {
        ...(advertiseInterface !== undefined ? { interface: advertiseInterface } : {}),
        // Discovery failing must not stop the server: say so once, and carry on.
        onError: (error) => {
          if (discoveryFailed) return;
          discoveryFailed = true;
          const message = error instanceof Error ? error.message : String(error);
          io.err(`LAN discovery is not working (${message}); joining by URL still works.`);
        },
      },
    );
    io.out(
      `Announced on the local network as "${advertisement.roomName}" (_${SERVICE_TYPE}._tcp` +
        `${advertiseInterface !== undefined ? ` on ${advertiseInterface}` : ''}).`,
    );
  }
  io.out('Press Ctrl+C to stop.');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const done = (code: number) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(code);
    };
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.err('Forced exit.');
        done(130);
        return;
      }
      stopping = true;
      io.out(`\n${signal} received: telling clients and shutting down…`);
      // The goodbye first, so that nobody nearby tries to join a room that is closing.
      const unannounced = advertisement?.stop() ?? Promise.resolve();
      unannounced
        .then(() => server.close())
        .then(
          () => {
            io.out('Parley stopped.');
            done(0);
          },
          (error: unknown) => {
            io.err(`Shutdown failed: ${(error as Error).message}`);
            done(1);
          },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A DNS name (international names too), without scheme, port or path. */
function isHostName(text: string): boolean {
  return (
    !/[/:?#@\s]/.test(text) &&
    !text.startsWith('.') &&
    /^[a-z0-9.-]{1,253}$/.test(domainToASCII(text))
  );
}

/** `20/10` → 20 points per 10 seconds; undefined when not given, null when malformed. */
function parseRate(text: string | undefined): RateLimit | undefined | null {
  if (text === undefined) return undefined;
  const match = /^(\d{1,9})\/(\d{1,6})$/.exec(text);
  if (!match) return null;
  const points = Number(match[1]);
  const durationSeconds = Number(match[2]);
  return points > 0 && durationSeconds > 0 ? { points, durationSeconds } : null;
}
