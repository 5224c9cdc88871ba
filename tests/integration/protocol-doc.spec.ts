/**
 * docs/PROTOCOL.md is Parley's public interface. These tests keep it honest: the example bot it
 * shows runs against a real server, and every event, server error code and limit in the code
 * appears in the document (and the document names none that the code does not have).
 */
import {
  joinProofText,
  memoryDeviceKey,
  type DeviceKey,
  type JoinProof,
} from '../../src/client/device-key';
import { checkJoinProof } from '../../src/server/join-proof';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  emitRaw,
  joinWith,
  nextEvent,
  onCleanup,
  rawSocket,
  startServer as startTestServer,
} from '../support/chat';
import { DEFAULT_PORT, LIMITS, LOBBY, PROTOCOL_VERSION } from '../../src/shared/limits';
import {
  CLIENT_EVENT_TABLE,
  CLIENT_EVENTS,
  errorsOf,
  type ClientEventName,
} from '../../src/shared/client-events';
import type { ChatMessage, User } from '../../src/shared/protocol';
import { pollingBodyLimit } from '../../src/server/polling-limit';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const BOT = 'examples/node-bot.mjs';

// Servers, sockets and child processes started by a test are closed after it (tests/support).
const startServer = () => startTestServer({ serverName: 'doc-test' });
const connect = rawSocket;

interface BotProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startBot(url: string, nickname: string): BotProcess {
  const child = spawn(process.execPath, [`${root}${BOT}`, url, nickname], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------------------------------------

describe('examples/node-bot.mjs against a real server', () => {
  it('joins, answers "!ping" with "pong", and exits cleanly on Ctrl+C (SIGINT)', async () => {
    const server = await startServer();
    const bot = startBot(`http://127.0.0.1:${server.port}`, 'pingbot');
    await waitFor(`the bot to join (output so far: ${bot.output()})`, () =>
      /Joined lobby on doc-test as pingbot/.test(bot.output()),
    );

    const alice = await connect(server);
    const messages: ChatMessage[] = [];
    const left: User[] = [];
    alice.on('message:created', (message) => messages.push(message));
    alice.on('presence:left', ({ user }) => left.push(user));
    const joined = await joinWith(alice, { nickname: 'alice' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.users.map((user: User) => user.nickname)).toEqual(['pingbot', 'alice']);

    const sent = await alice
      .timeout(5_000)
      .emitWithAck('message:send', { clientId: 'ping-1', text: '!ping' });
    if (!sent.ok) throw new Error(sent.error.message);

    const pong = await waitFor('the pong', () =>
      messages.find((message) => message.text === 'pong'),
    );
    expect(pong.author.nickname).toBe('pingbot');
    expect(pong.id).toBeGreaterThan(sent.message.id);
    await waitFor('the bot to print the ping', () => bot.output().includes('alice: !ping'));
    // The bot answers others, not itself: one ping, one pong.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages.map((message) => message.text)).toEqual(['!ping', 'pong']);

    bot.child.kill('SIGINT');
    expect(await bot.exited).toBe(0);
    await waitFor('presence:left for the bot', () => left.some((u) => u.nickname === 'pingbot'));
  });

  it('prints usage and exits with an error without a server URL', async () => {
    const child = spawn(process.execPath, [`${root}${BOT}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => void child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: node examples/node-bot.mjs <server-url> [nickname]');
  });
});

// ---------------------------------------------------------------------------------------------

describe('what the document promises, on a real server', () => {
  async function joined(
    server: Awaited<ReturnType<typeof startServer>>,
    nickname: string,
    extra: object = {},
    key?: DeviceKey,
  ) {
    const socket = await connect(server);
    const reply = await joinWith(socket, { nickname, ...extra }, key);
    if (!reply.ok) throw new Error(reply.error.message);
    return { socket, session: reply };
  }

  it('answers malformed and unknown events through the ack, and resends never duplicate', async () => {
    const server = await startServer();
    const alice = await joined(server, 'alice');
    const bob = await joined(server, 'bob');
    const seen: ChatMessage[] = [];
    bob.socket.on('message:created', (message) => seen.push(message));

    const invalid = { ok: false, error: { code: 'invalid_payload' } };
    expect(await emitRaw(alice.socket, 'message:send', { text: 'hi' })).toMatchObject(invalid);
    expect(
      await emitRaw(alice.socket, 'message:send', { clientId: 'a', text: 'hi', extra: 1 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Unknown field(s): extra.' },
    });
    expect(await emitRaw(alice.socket, 'message:send')).toMatchObject(invalid);
    expect(await emitRaw(alice.socket, 'no:such-event', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown_event' },
    });
    expect(await emitRaw(alice.socket, 'typing:set', { typing: 'yes' })).toMatchObject(invalid);

    const first = await emitRaw(alice.socket, 'message:send', { clientId: 'm-1', text: 'one' });
    const again = await emitRaw(alice.socket, 'message:send', { clientId: 'm-1', text: 'two' });
    expect(again).toEqual(first);
    await waitFor('the broadcast', () => seen.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.map((message) => message.text)).toEqual(['one']);
    expect(alice.socket.connected).toBe(true);
  });

  it('a join with the same device key takes the session over: same id, session:ended, no presence', async () => {
    const server = await startServer();
    const aliceKey = memoryDeviceKey();
    const old = await joined(server, 'alice', {}, aliceKey);
    const bob = await joined(server, 'bob');
    const presence: string[] = [];
    bob.socket.on('presence:joined', ({ user }) => presence.push(`joined ${user.nickname}`));
    bob.socket.on('presence:left', ({ user }) => presence.push(`left ${user.nickname}`));
    const ended = new Promise((resolve) => old.socket.once('session:ended', resolve));
    const disconnected = new Promise((resolve) => old.socket.once('disconnect', resolve));

    const again = await joined(server, 'alice', { since: 0 }, aliceKey);
    expect(await ended).toMatchObject({ code: 'session_replaced' });
    expect(await disconnected).toBe('io server disconnect');
    expect(again.session.self.id).toBe(old.session.self.id);
    // Whatever bob was told went out before this broadcast (one room, one order).
    const marker = nextEvent(bob.socket, 'message:created');
    await emitRaw(again.socket, 'message:send', { clientId: 'after-takeover', text: 'still me' });
    await marker;
    expect(presence).toEqual([]);
  });

  it('counts text lengths in UTF-16 code units: 2000 emoji are 4000, one more unit is refused', async () => {
    const server = await startServer();
    const alice = await joined(server, 'alice');
    const emoji = '\u{1F600}'.repeat(LIMITS.messageMaxLength / 2);
    const sent = await emitRaw(alice.socket, 'message:send', { clientId: 'e-1', text: emoji });
    expect(sent).toMatchObject({ ok: true, message: { text: emoji } });
    for (const text of [`${emoji}a`, `${emoji}${emoji}`]) {
      expect(await emitRaw(alice.socket, 'message:send', { clientId: 'e-2', text })).toEqual({
        ok: false,
        error: { code: 'invalid_payload', message: 'Message can be at most 4000 characters.' },
      });
    }
    const nickname = '\u{1F600}'.repeat(LIMITS.nicknameMaxLength / 2);
    expect((await joined(server, nickname)).session.self.nickname).toBe(nickname);
    const other = await connect(server);
    expect(await joinWith(other, { nickname: `${nickname}a` })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'Nickname can be at most 32 characters.' },
    });
  });

  it('sends room:created to joined connections only (§6)', async () => {
    const server = await startServer();
    const alice = await joined(server, 'alice');
    const bob = await joined(server, 'bob');
    const unjoined = await connect(server);
    const seen: string[] = [];
    unjoined.on('room:created', ({ room }) => seen.push(room.name));
    const toBob = new Promise((resolve) => bob.socket.once('room:created', resolve));
    const toAlice = new Promise((resolve) => alice.socket.once('room:created', resolve));
    const created = await emitRaw(alice.socket, 'room:create', { name: 'Design' });
    if (!created.ok) throw new Error(created.error.message);
    expect(await toBob).toEqual({ room: created['room'] });
    expect(await toAlice).toEqual({ room: created['room'] });
    // The unjoined connection then joins: its join ack lists the room, and no event came before
    // it (one sent at the creation would have arrived first: a connection's events keep order).
    const late = await joinWith(unjoined, { nickname: 'carol' });
    if (!late.ok) throw new Error(late.error.message);
    expect((late['rooms'] as Array<{ name: string }>).map((room) => room.name)).toContain('Design');
    expect(seen).toEqual([]);
  });

  it('on shutdown sends server:closing, then drops the transport so clients reconnect', async () => {
    const server = await startServer();
    const { socket } = await joined(server, 'alice');
    const events: string[] = [];
    socket.on('server:closing', ({ reason }) => events.push(`closing: ${reason}`));
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
    await server.close();
    expect(await disconnected).toBe('transport close');
    expect(events).toEqual(['closing: The server is shutting down.']);
  });
});

describe('docs/PROTOCOL.md is in step with the code', () => {
  const doc = read('docs/PROTOCOL.md');
  const protocolSource = read('src/shared/protocol.ts');
  const resultSource = read('src/shared/result.ts');
  // Every file that answers client events: the handlers per domain, and who may enter.
  const handlersSource = [
    ...readdirSync(`${root}src/server/events`)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .map((name) => `src/server/events/${name}`),
    'src/server/moderation.ts',
  ]
    .map(read)
    .join('\n');

  const source = resultSource.replace(/\/\*[\s\S]*?\*\//g, ''); // without doc comments
  const union = /export type ErrorCode =([\s\S]*?);/.exec(source)![1]!;
  const codesIn = (text: string) => [...text.matchAll(/\|\s*'([a-z_]+)'/g)].map((m) => m[1]!);
  /** Every ErrorCode of result.ts, the client-side ones included. */
  const ALL_CODES = codesIn(union);

  /** The quoted keys of an `export interface Name { … }` block of protocol.ts. */
  function interfaceKeys(name: string): string[] {
    const block = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(protocolSource);
    expect(block, `interface ${name} in src/shared/protocol.ts`).not.toBeNull();
    return [...block![1]!.matchAll(/^\s*'([^']+)'\s*:/gm)].map((match) => match[1]!);
  }

  /** Event names with their own heading in the document, e.g. "### `message:send`". */
  const documentedEvents = [...doc.matchAll(/^#{2,4} `([a-z]+:[a-z-]+)`\s*$/gm)].map((m) => m[1]!);

  it('documents every client → server event of the event table', () => {
    expect(CLIENT_EVENTS.length).toBeGreaterThan(10);
    for (const event of CLIENT_EVENTS) expect(documentedEvents, event).toContain(event);
  });

  it('documents every server → client event', () => {
    const events = interfaceKeys('ServerToClientEvents');
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(documentedEvents, event).toContain(event);
  });

  it('documents no event that the code does not have', () => {
    const known = [...CLIENT_EVENTS, ...interfaceKeys('ServerToClientEvents')];
    for (const event of documentedEvents) expect(known, event).toContain(event);
  });

  it('documents every error code the server can send, and only real codes', () => {
    const allCodes = ALL_CODES;
    // result.ts lists the codes the server sends first, then "Client-side codes" and hosting codes.
    const serverCodes = codesIn(union.split('// Client-side codes')[0]!);
    expect(serverCodes.length).toBeGreaterThan(1);

    // Every code the handlers use on the wire is one of the server codes…
    const used = [...handlersSource.matchAll(/(?:fail\(|code: )'([a-z_]+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const code of used) expect(serverCodes, `the server sends ${code}`).toContain(code);

    // …each has a row in the error table…
    const table = section('10. Error codes');
    const rows = [...table.matchAll(/^\| `([a-z_]+)`/gm)].map((match) => match[1]!);
    for (const code of serverCodes) expect(rows, code).toContain(code);
    // …and the document names no code that does not exist.
    for (const code of rows) expect(allCodes, code).toContain(code);
    for (const [, code] of doc.matchAll(/"code": "([a-z_]+)"/g)) expect(allCodes).toContain(code);
  });

  it('lists, for each client event, exactly the error codes the server can answer it with', () => {
    for (const event of CLIENT_EVENTS) {
      expect(new Set(documentedErrors(event)), event).toEqual(new Set(errorsOf(event)));
    }
  });

  it('says in the error table exactly which events (and session:ended) each code is sent for', () => {
    const table = section('10. Error codes');
    const rows = [...table.matchAll(/^\| `([a-z_]+)`\s*\|([^|]*)\|/gm)];
    expect(rows.length).toBeGreaterThan(10);
    // A code an event lists is one the table explains (not a client-side one).
    const explained = rows.map((row) => row[1]);
    for (const event of CLIENT_EVENTS) {
      for (const code of errorsOf(event)) expect(explained, `${event}: ${code}`).toContain(code);
    }
    // The codes the server ends a session with, wherever it emits session:ended.
    const serverSource = readdirSync(`${root}src/server`, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
      .map((name) => read(`src/server/${name}`))
      .join('\n');
    const ending = new Set(
      [...serverSource.matchAll(/emit\('session:ended', \{\s*code: '([a-z_]+)'/g)].map(
        (m) => m[1]!,
      ),
    );
    expect(ending.size).toBeGreaterThan(1);
    for (const [, code, cell] of rows) {
      const sentFor = CLIENT_EVENTS.filter((event) => errorsOf(event).includes(code as never));
      const named = [...cell!.matchAll(/`([a-z]+:[a-z-]+)`/g)].map((m) => m[1]!);
      const listed = cell!.includes('any Parley event')
        ? CLIENT_EVENTS
        : cell!.includes('every event but')
          ? CLIENT_EVENTS.filter((event) => !named.includes(event))
          : named.filter((event) => event !== 'session:ended');
      expect(new Set(listed), `events of ${code}`).toEqual(new Set(sentFor));
      expect(named.includes('session:ended'), `session:ended for ${code}`).toBe(ending.has(code!));
      // A code refused connections get (the data of connect_error) is one the server sends.
      const onConnect = cell!.includes('`connect_error`');
      if (onConnect) expect(serverSource, `connect_error ${code}`).toContain(`code: '${code}'`);
      // Every code in the table is sent for something (unknown_event: for what is no event),
      // except a retired one, which the table says is no longer sent: then it truly is not.
      const sent = sentFor.length + Number(ending.has(code!)) + Number(onConnect);
      if (cell!.includes('no longer sent')) expect(sent, `${code} is sent again`).toBe(0);
      else if (code !== 'unknown_event')
        expect(sent, `${code} is sent for nothing`).toBeGreaterThan(0);
    }
  });

  it('states every limit with its number', () => {
    const table = section('11. Limits');
    for (const [key, value] of flatten(LIMITS)) {
      const row = new RegExp(`^\\|\\s*\`${escapeRegExp(key)}\`\\s*\\|\\s*${value}\\s*\\|`, 'm');
      expect(table, `a row "| \`${key}\` | ${value} |" in section 11`).toMatch(row);
    }
    // The constants next to LIMITS, named in the prose under the table.
    expect(table).toMatch(new RegExp(`\`DEFAULT_PORT\`\\s+${DEFAULT_PORT}\\b`));
    expect(table).toMatch(new RegExp(`\`PROTOCOL_VERSION\`\\s+${PROTOCOL_VERSION}\\b`));
    expect(table).toMatch(new RegExp(`\`LOBBY\`,\\s+is\\s+\`"${LOBBY}"\``));
    expect(doc).toContain(`Protocol version **${PROTOCOL_VERSION}**`);
    expect(doc).toContain(`"maxPayload":${LIMITS.maxPayloadBytes}`);
    // The long-polling body limit is worked out from the chunk size: the document names it.
    const bodyLimit = [...doc.matchAll(/bodies up to (\d+) bytes|larger than (\d+) bytes/g)];
    expect(bodyLimit.length).toBe(2);
    for (const match of bodyLimit) {
      expect(Number(match[1] ?? match[2])).toBe(pollingBodyLimit());
    }
  });

  it('shows valid JSON, and client payload examples that the server accepts', async () => {
    const blocks = [...doc.matchAll(/^```json( payload=(\S+))?\n([\s\S]*?)^```$/gm)];
    expect(blocks.length).toBeGreaterThan(10);
    const schemas = CLIENT_EVENT_TABLE;
    const exampled = new Set<string>();
    const joins: Array<Record<string, unknown>> = [];
    for (const [, , event, body] of blocks) {
      let value: unknown = JSON.parse(body!);
      if (event === undefined) continue;
      if (event === 'session:join') joins.push(value as Record<string, unknown>);
      // JSON cannot hold binary: the example shows where the attachment goes.
      if (event === 'file:chunk') value = { ...(value as object), data: Buffer.from('bytes') };
      expect(Object.keys(schemas), event).toContain(event);
      const parsed = schemas[event as ClientEventName].schema.safeParse(value);
      expect(parsed.success, `${event} example ${body}`).toBe(true);
      exampled.add(event);
    }
    expect([...exampled].sort()).toEqual([...CLIENT_EVENTS].sort());

    // A join example's proof was signed for a challenge of another connection: a real server
    // joins each example with a proof of its own in place of the shown one (the rest as shown).
    // The examples all show one key, so they join as one person (each takes the last one over).
    const server = await startServer();
    const shownKeys = new Set(
      joins.map((join) => (join['key'] as JoinProof | undefined)?.publicKey),
    );
    expect(shownKeys.size, 'the join examples show one key').toBe(1);
    const shownKey = memoryDeviceKey();
    for (const { key, ...rest } of joins) {
      expect(key, 'a session:join example carries a key').toBeDefined();
      const reply = await joinWith(await connect(server), rest, shownKey);
      expect(reply, JSON.stringify(rest)).toMatchObject({ ok: true });
    }
  });

  it("works the handshake's example through: the text shown is what is signed, and it holds", () => {
    const handshake = doc.slice(doc.indexOf('\n### The handshake\n'), doc.indexOf('\n## 3. '));
    const challenge = /With the challenge `([A-Za-z0-9_-]{43})`/.exec(handshake)?.[1];
    expect(challenge, 'the challenge of the worked example').toBeDefined();
    const join = [...doc.matchAll(/^```json payload=session:join\n([\s\S]*?)^```$/gm)];
    expect(join.length).toBeGreaterThan(0);
    for (const [, body] of join) {
      const { key } = JSON.parse(body!) as { key: JoinProof };
      expect(handshake).toContain(`\`\`\`text\n${joinProofText(challenge!, key.host)}\n\`\`\``);
      expect(checkJoinProof(key, challenge, key.host)).toEqual({ ok: true });
      // …and only for that challenge and that host.
      expect(checkJoinProof(key, `${challenge!.slice(1)}A`, key.host).ok).toBe(false);
      expect(checkJoinProof(key, challenge, 'parley.example.org').ok).toBe(false);
    }
    // The challenge ack shown is that challenge.
    expect(doc).toContain(`{ "ok": true, "challenge": "${challenge}" }`);
  });

  it('shows examples/node-bot.mjs verbatim', () => {
    const shown = /^```js\n([\s\S]*?)^```$/m.exec(section('15. Example: a Node bot'));
    expect(shown?.[1]).toBe(read(BOT));
  });

  /**
   * The codes in an event's "Errors:" paragraph (up to its end, or to "Effects:"), leaving out
   * other names in backticks.
   */
  function documentedErrors(event: ClientEventName): string[] {
    const heading = new RegExp(`^#{3,4} \`${escapeRegExp(event)}\`\\s*$`, 'm').exec(doc);
    expect(heading, `a heading for ${event}`).not.toBeNull();
    const rest = doc.slice(heading!.index + heading![0].length);
    const body = rest.slice(0, rest.search(/^#{2,4} /m));
    const start = body.indexOf('Errors:');
    expect(start, `an "Errors:" paragraph for ${event}`).toBeGreaterThan(-1);
    const paragraph = body.slice(start).split(/\n\n|Effects:/)[0]!;
    const codes = new Set<string>(ALL_CODES);
    return [...paragraph.matchAll(/`([a-z_]+)`/g)]
      .map((m) => m[1]!)
      .filter((code) => codes.has(code));
  }

  /** The text of one "## " section of the document. */
  function section(title: string): string {
    const start = doc.indexOf(`\n## ${title}\n`);
    expect(start, `section "## ${title}"`).toBeGreaterThan(-1);
    const end = doc.indexOf('\n## ', start + 1);
    return doc.slice(start, end === -1 ? undefined : end);
  }
});

function flatten(value: object, prefix = ''): Array<[string, number]> {
  return Object.entries(value).flatMap(([key, inner]): Array<[string, number]> =>
    typeof inner === 'number'
      ? [[`${prefix}${key}`, inner]]
      : flatten(inner as object, `${prefix}${key}.`),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
