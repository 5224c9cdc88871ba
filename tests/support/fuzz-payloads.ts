/**
 * Test support for the fuzz suite (tests/integration/fuzz.spec.ts): fast-check generators of
 * calls to the server — malformed payloads for every client event, valid ones mixed in, unknown
 * events, oversized packets — and the oracle that says what the server must answer. The oracle
 * looks at a call the way the server receives it (after JSON and Socket.IO's binary attachments)
 * and asks the event's own zod schema, so a generated value that happens to be valid is never
 * counted as malformed.
 *
 * Long (over 400 lines): a generator for every shape of bad input, kept beside the oracle that
 * judges them, so that a new shape and its expected answer are written in one place.
 */
import fc from 'fast-check';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { LIMITS } from '../../src/shared/limits';
import {
  CLIENT_EVENT_TABLE,
  CLIENT_EVENTS,
  type ClientEventName,
} from '../../src/shared/client-events';

/** Which fuzz connection a call goes to: one that never joined, or one that has. */
type Target = 'stranger' | 'member';

/** One generated call: the event name and the arguments before the acknowledgement. */
export interface FuzzCall {
  event: string | number;
  args: unknown[];
  target: Target;
}

/** What the server must do with a call, decided by {@link judge}. */
export type Verdict =
  /** Refuse it with `invalid_payload`: the event's schema refuses what arrives. */
  | { kind: 'invalid'; event: ClientEventName; nonObject: boolean }
  /** Handle it: the schema accepts it, so it must not be refused as invalid. */
  | { kind: 'valid'; event: ClientEventName; payload: unknown }
  /** Answer `unknown_event`: the name is not part of the protocol. */
  | { kind: 'unknown' }
  /** Close this one connection without an answer (oversized frame, too many attachments). */
  | { kind: 'dropped'; why: string }
  /** Within a few bytes of the frame limit, where the ack id's length decides: not generated. */
  | { kind: 'ambiguous' }
  /** socket.io-client itself cannot encode it (see {@link wireView}): not generated. */
  | { kind: 'unsendable' };

/** Socket.IO's reserved event names: socket.io-client refuses to send them (see raw-frames.ts). */
export const RESERVED_EVENTS = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

/** socket.io-parser's default: a packet with more binary attachments is a protocol error. */
const MAX_ATTACHMENTS = 10;

// ---------------------------------------------------------------------------------------------
// The oracle

/** How the server sees a call: the arguments after the wire, and the size of its frames. */
interface WireView {
  /** False when the client's encoder throws (then nothing below is known). */
  sendable: boolean;
  /** `[event, ...args]` as the server's handler receives them; null when it cannot decode them. */
  received: unknown[] | null;
  /** Why the server's parser refuses the packet (it then closes the connection). */
  refusal: string | null;
  /** The text frame's size in bytes: the Engine.IO type digit and the Socket.IO packet. */
  textFrameBytes: number;
  /** The largest binary attachment, in bytes (each is a frame of its own). */
  largestAttachmentBytes: number;
}

/**
 * Runs a call through Socket.IO's own parser, both ways: encoded as socket.io-client encodes it
 * (JSON, with every Buffer, ArrayBuffer and typed array as a binary attachment), each attachment
 * arriving as a Buffer as the WebSocket delivers it, decoded as the server decodes it. The
 * parser has its quirks — in a packet that carries binary, the client's encoder assigns
 * `__proto__` keys instead of copying them (so they vanish, or make JSON throw when the value is
 * a Date), the decoder limits attachments — and the oracle must see them as the server does.
 */
function wireView(event: unknown, args: readonly unknown[]): WireView {
  let parts: unknown[];
  try {
    parts = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: [event, ...args] });
  } catch {
    return {
      sendable: false,
      received: null,
      refusal: null,
      textFrameBytes: 0,
      largestAttachmentBytes: 0,
    };
  }
  const [text, ...attachments] = parts as [string, ...Array<ArrayBuffer | ArrayBufferView>];
  const view: WireView = {
    sendable: true,
    received: null,
    refusal: null,
    textFrameBytes: Buffer.byteLength(`4${text}`),
    largestAttachmentBytes: Math.max(0, ...attachments.map((bytes) => bytes.byteLength)),
  };
  const decoder = new Decoder();
  decoder.on('decoded', (packet: Packet) => {
    view.received = packet.data as unknown[];
  });
  try {
    decoder.add(text);
    for (const bytes of attachments) decoder.add(Buffer.from(bytesOf(bytes)));
  } catch (error) {
    view.refusal = (error as Error).message;
  }
  return view;
}

/** What the server must do with `call`. */
export function judge(call: FuzzCall): Verdict {
  const view = wireView(call.event, call.args);
  if (!view.sendable) return { kind: 'unsendable' };
  const limit = LIMITS.maxPayloadBytes;
  if (view.textFrameBytes > limit) return { kind: 'dropped', why: 'the frame is too large' };
  if (view.largestAttachmentBytes > limit) {
    return { kind: 'dropped', why: 'an attachment is too large' };
  }
  if (view.received === null) return { kind: 'dropped', why: `the parser says ${view.refusal}` };
  // The ack id (a few digits) also goes into the frame.
  if (view.textFrameBytes > limit - 8) return { kind: 'ambiguous' };

  const [event, ...args] = view.received;
  if (!isClientEvent(event)) return { kind: 'unknown' };
  if (args.length !== 1) return { kind: 'invalid', event, nonObject: false };
  const payload = args[0];
  const nonObject = typeof payload !== 'object' || payload === null || !isPlainObject(payload);
  return CLIENT_EVENT_TABLE[event].schema.safeParse(payload).success
    ? { kind: 'valid', event, payload }
    : { kind: 'invalid', event, nonObject };
}

function isClientEvent(event: unknown): event is ClientEventName {
  return (CLIENT_EVENTS as readonly unknown[]).includes(event);
}

function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function bytesOf(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer
    ? new Uint8Array(value)
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Keys that mean something to JavaScript objects: a server must treat them as plain data. */
const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'then',
];

/** A copy of `object` with `key` as an own, enumerable property (even `__proto__`). */
function withKey(object: object, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function without(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

/** `depth` levels of arrays or objects around `leaf`, built without recursion. */
function nest(depth: number, kind: 'array' | 'object', leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

/** A string with one character put in at a generated position. */
function spliced(base: fc.Arbitrary<string>, inserts: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(base, fc.constantFrom(...inserts), fc.nat()).map(([text, insert, at]) => {
    const position = text.length === 0 ? 0 : at % (text.length + 1);
    return text.slice(0, position) + insert + text.slice(position);
  });
}

/**
 * Long strings of one repeated character, from `minLength` up to 9,000 characters: large, yet
 * under the frame limit even where JSON escapes each character to six bytes.
 */
function longString(minLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom('x', ' ', 'é', '😀', '\u0000', '\uD800', '\u202E', '\n', '"', '\\'),
      fc.integer({ min: minLength, max: Math.max(minLength, 9_000) }),
    )
    .map(([character, length]) => character.repeat(length));
}

const binary: fc.Arbitrary<unknown> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.slice().buffer),
  fc.uint8Array({ maxLength: 64 }),
  fc.float64Array({ maxLength: 8 }),
  fc.integer({ min: 1_000, max: 40_000 }).map((size) => Buffer.alloc(size, 0x61)),
);

/** Binary where text belongs: the bytes of a string, as a Buffer, an ArrayBuffer or a view. */
function binaryOf(text: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.tuple(text, fc.constantFrom('buffer', 'arraybuffer', 'view')).map(([value, form]) => {
    const bytes = Buffer.from(value);
    if (form === 'buffer') return bytes;
    const view = new Uint8Array(bytes);
    return form === 'view' ? view : view.buffer;
  });
}

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 2 ** 53, -(2 ** 53)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  spliced(fc.string({ maxLength: 10 }), LONE_SURROGATES),
  fc.date({ noInvalidDate: true }),
);

const deep: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 1_000 }), fc.constantFrom('array', 'object'), scalar)
  .map(([depth, kind, leaf]) => nest(depth, kind as 'array' | 'object', leaf));

const prototypeKeyed: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(...PROTOTYPE_KEYS), scalar, fc.object({ maxDepth: 1, maxKeys: 3 }))
  .map(([key, value, rest]) => withKey(rest, key, value));

/** Anything a careless or hostile client might put where a value belongs. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: binary },
  { weight: 2, arbitrary: longString(1) },
  { weight: 2, arbitrary: deep },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 2, arbitrary: fc.object({ maxDepth: 2, maxKeys: 5 }) },
  { weight: 1, arbitrary: prototypeKeyed },
);

// ---------------------------------------------------------------------------------------------
// The events' fields

interface FieldSpec {
  required: boolean;
  /** Values the schema accepts (the oracle still checks). */
  valid: fc.Arbitrary<unknown>;
  /** Values it should refuse, besides {@link junk}. */
  invalid: fc.Arbitrary<unknown>;
}

function textField(options: {
  required: boolean;
  valid: fc.Arbitrary<string>;
  maxLength: number;
  badCharacters: readonly string[];
}): FieldSpec {
  const { valid } = options;
  return {
    required: options.required,
    valid,
    invalid: fc.oneof(
      fc.constantFrom('', ' ', '\t\n  '),
      longString(options.maxLength + 1),
      fc.integer({ min: 1, max: 50 }).map((extra) => 'y'.repeat(options.maxLength + extra)),
      spliced(valid, [...options.badCharacters, ...LONE_SURROGATES]),
      binaryOf(valid),
      valid.map((value) => [value]),
      valid.map((value) => ({ value })),
    ),
  };
}

function integerField(options: { required: boolean; min: number; max: number }): FieldSpec {
  return {
    required: options.required,
    valid: fc.integer({ min: options.min, max: options.max }),
    invalid: fc.oneof(
      fc.integer({ min: -1_000_000, max: options.min - 1 }),
      fc.integer({ min: options.max + 1, max: options.max + 1_000 }),
      fc.constantFrom(2 ** 53, 1e300, Infinity, -Infinity, Number.NaN, 0.5, -0.5, 1.5),
      fc.double({ min: options.min, max: options.max, noInteger: true }),
      fc.integer({ min: options.min, max: options.max }).map(String),
      fc.boolean(),
    ),
  };
}

/**
 * Names from a small alphabet that cannot spell the fixed nicknames the suite uses (alice, bob,
 * fuzz-member-…, probe-…): a valid join never takes theirs, a valid dm:open never reaches them.
 */
function name(maxLength: number): fc.Arbitrary<string> {
  return fc
    .string({
      unit: fc.constantFrom(...'abcxyzABCXYZ019-_. éßñ漢'.split('')),
      minLength: 1,
      maxLength,
    })
    .filter((value) => value.trim().length > 0);
}

/** Like name(), starting with a letter (search text must hold one). */
function withLetter(maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom('a', 'Z', 'é', '漢'), name(maxLength - 1))
    .map(([letter, rest]) => letter + rest);
}

const CONTROL_AND_FORMAT = ['\u0000', '\u0007', '\t', '\n', '\u007F', '\u0085', '\u200B', '\u202E'];

function nicknameField(): FieldSpec {
  return textField({
    required: true,
    valid: name(LIMITS.nicknameMaxLength),
    maxLength: LIMITS.nicknameMaxLength,
    badCharacters: CONTROL_AND_FORMAT,
  });
}

/** Person ids (`p-` and 22 base64url characters): the fuzz cannot guess anyone's. */
function userIdField(): FieldSpec {
  return {
    required: true,
    valid: base64urlText(22).map((id) => `p-${id}`),
    invalid: fc.oneof(
      fc.constantFrom('', 'p-', 'bob', 'P-aaaaaaaaaaaaaaaaaaaaaa', `p-${'a'.repeat(23)}`, 0, null),
      base64urlText(21).map((id) => `p-${id}`),
      base64urlText(21).map((id) => `p-${id}/`),
    ),
  };
}

/** Room ids: the lobby, and ids of rooms that do not exist (the fuzz cannot guess real ones). */
/** base64url text of `length` characters. */
function base64urlText(length: number): fc.Arbitrary<string> {
  return fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
}

/**
 * A join's `key`: well-formed keys and signatures (which never verify: the fuzz has no challenge
 * signed), and shapes the schema refuses. Optional in the schema only to tell a protocol 1 client
 * why it cannot join: without it the join is refused as unproven all the same.
 */
function joinProofField(): FieldSpec {
  const valid = fc.record({
    publicKey: base64urlText(43),
    signature: base64urlText(86),
    host: fc.string({ minLength: 1, maxLength: 255 }),
  });
  return {
    required: false,
    valid,
    invalid: fc.oneof(
      fc.constantFrom('', 'key', 0, [], {}),
      valid.map((key) => ({ ...key, publicKey: `${key.publicKey}A` })),
      valid.map((key) => ({ ...key, signature: key.signature.slice(1) })),
      valid.map((key) => ({ ...key, signature: `${key.signature.slice(1)}=` })),
      valid.map((key) => ({ ...key, host: '' })),
      valid.map((key) => ({ ...key, admin: true })),
      valid.map(({ publicKey, host }) => ({ publicKey, host })),
    ),
  };
}

function roomField(required: boolean): FieldSpec {
  return textField({
    required,
    valid: fc.oneof(fc.constant('lobby'), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)),
    maxLength: 64,
    badCharacters: [' ', '!', '/', ':', 'é', '\u0000'],
  });
}

const clientId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

const messageText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
  .filter((value) => value.trim().length > 0);

const messageId = { min: 0, max: Number.MAX_SAFE_INTEGER };

/** A change of `message:change`: each kind, valid and broken (ids mostly name no message). */
function changeField(): FieldSpec {
  const target = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
  const emoji = fc.constantFrom('👍', '🎉', '❤️', '👨‍👩‍👧', '🏳️‍🌈', '+1', '🇫🇷');
  const valid = fc.oneof(
    fc.record({ kind: fc.constant('edit'), target, text: messageText }),
    fc.record({ kind: fc.constant('delete'), target }),
    fc.record({ kind: fc.constant('reaction'), target, emoji, add: fc.boolean() }),
    fc.record({ kind: fc.constant('pin'), target, pinned: fc.boolean() }),
  );
  return {
    required: true,
    valid,
    invalid: fc.oneof(
      fc.constantFrom('edit', 0, [], {}, null),
      valid.map((change) => ({ ...change, kind: 'undo' })),
      valid.map((change) => ({ ...change, target: 0 })),
      valid.map((change) => ({ ...change, target: '1' })),
      valid.map((change) => ({ ...change, extra: true })),
      target.map((id) => ({ kind: 'edit', target: id, text: '' })),
      target.map((id) => ({ kind: 'reaction', target: id, emoji: 'a b', add: true })),
      target.map((id) => ({ kind: 'reaction', target: id, emoji: '👍👍👍👍', add: true })),
      target.map((id) => ({ kind: 'reaction', target: id, emoji: '\u200b', add: true })),
      target.map((id) => ({ kind: 'pin', target: id, pinned: 'yes' })),
    ),
  };
}
const byteCount = { min: 0, max: Number.MAX_SAFE_INTEGER };

/** Upload ids (the fuzz cannot guess the server's, so valid ones are answered unknown_upload). */
function uploadIdField(): FieldSpec {
  return textField({
    required: true,
    valid: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
    maxLength: 64,
    badCharacters: [' ', '.', '/', '\\', 'é', '\u0000'],
  });
}

/** A chunk's bytes: binary in any form socket.io-client sends as an attachment. */
const chunkData: FieldSpec = {
  required: true,
  valid: fc.oneof(
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => bytes.slice().buffer),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
    fc.integer({ min: 1_000, max: 60_000 }).map((size) => Buffer.alloc(size, 0x62)),
  ),
  invalid: fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }),
    fc.constantFrom(null, 0, true, {}, { type: 'Buffer', data: [1, 2, 3] }),
  ),
};

type EventFields = Record<string, FieldSpec>;

/**
 * The fields of each event's payload, mirroring src/shared/schemas.ts: what the generators build
 * valid payloads from and break. The oracle asks the schemas themselves, so a field missing here
 * makes the fuzz weaker, not wrong; a client event missing here does not type-check.
 */
const EVENT_FIELDS: { [E in ClientEventName]: EventFields } = {
  'session:challenge': {},
  'session:join': {
    nickname: nicknameField(),
    key: joinProofField(),
    since: integerField({ required: false, ...messageId }),
    adminToken: textField({
      required: false,
      valid: base64urlText(43),
      maxLength: 128,
      badCharacters: [' ', '.', '/', '+', '=', 'é', '\u0000'],
    }),
    link: textField({
      required: false,
      valid: fc.stringMatching(/^[2-9A-HJKMNP-Z]{10}$/),
      maxLength: 4 * LIMITS.linkCodeLength,
      badCharacters: ['0', 'O', '1', 'I', '.', '\u0000'],
    }),
  },
  'device:link-code': {},
  'message:send': {
    room: roomField(false),
    clientId: textField({
      required: true,
      valid: clientId,
      maxLength: LIMITS.clientIdMaxLength,
      badCharacters: [' ', '.', '/', '\\', ':', 'é', '\u0000', '+', '='],
    }),
    text: textField({
      required: true,
      valid: messageText,
      maxLength: LIMITS.messageMaxLength,
      badCharacters: ['\u0000', '\u0007', '\u001B', '\u007F', '\u0085', '\u009F'],
    }),
    replyTo: integerField({ required: false, min: 1, max: Number.MAX_SAFE_INTEGER }),
  },
  'typing:set': {
    room: roomField(false),
    typing: {
      required: true,
      valid: fc.boolean(),
      invalid: fc.constantFrom('true', 'false', 0, 1, 'yes', '', [], {}, [true], { typing: true }),
    },
  },
  'presence:set': {
    status: {
      required: true,
      valid: fc.constantFrom('online', 'away', 'busy'),
      invalid: fc.constantFrom('Online', 'offline', '', 0, true, [], {}, ['busy']),
    },
    text: textField({
      required: false,
      valid: fc.string({ maxLength: LIMITS.statusTextMaxLength }),
      maxLength: LIMITS.statusTextMaxLength,
      badCharacters: ['\u0000', '\u0007', '\u200B', '\u202E', '\u007F'],
    }),
  },
  'message:change': {
    room: roomField(false),
    clientId: textField({
      required: true,
      valid: clientId,
      maxLength: LIMITS.clientIdMaxLength,
      badCharacters: [' ', '.', '/', '\\', ':', 'é', '\u0000', '+', '='],
    }),
    change: changeField(),
  },
  'room:pins': { room: roomField(false) },
  'history:fetch': {
    room: roomField(false),
    after: integerField({ required: false, ...messageId }),
    before: integerField({ required: false, ...messageId }),
    limit: integerField({ required: false, min: 1, max: LIMITS.historyPageLength }),
  },
  'search:query': {
    text: textField({
      required: true,
      valid: withLetter(LIMITS.searchTextMaxLength),
      maxLength: LIMITS.searchTextMaxLength,
      badCharacters: [],
    }),
    room: roomField(false),
    author: textField({
      required: false,
      valid: withLetter(LIMITS.nicknameMaxLength),
      maxLength: LIMITS.nicknameMaxLength,
      badCharacters: [],
    }),
    before: integerField({ required: false, ...messageId }),
    limit: integerField({ required: false, min: 1, max: LIMITS.searchPageLength }),
  },
  'room:create': {
    name: textField({
      required: true,
      valid: name(LIMITS.roomNameMaxLength),
      maxLength: LIMITS.roomNameMaxLength,
      badCharacters: CONTROL_AND_FORMAT,
    }),
  },
  'room:join': {
    room: roomField(true),
    since: integerField({ required: false, ...messageId }),
  },
  'room:leave': {
    room: roomField(true),
  },
  'room:delete': {
    room: roomField(true),
  },
  'room:list': {
    search: textField({
      required: false,
      valid: name(LIMITS.roomNameMaxLength),
      maxLength: LIMITS.roomNameMaxLength,
      badCharacters: [],
    }),
    offset: integerField({ required: false, min: 0, max: 1_000_000 }),
    limit: integerField({ required: false, min: 1, max: LIMITS.roomListPageLength }),
  },
  'people:page': {
    room: roomField(false),
    after: integerField({ required: false, min: 0, max: 1_000_000 }),
    query: textField({
      required: false,
      valid: name(LIMITS.nicknameMaxLength),
      maxLength: LIMITS.nicknameMaxLength,
      badCharacters: [],
    }),
    limit: integerField({ required: false, min: 1, max: LIMITS.peoplePageLength }),
  },
  'room:read': {
    room: roomField(true),
    id: integerField({ required: true, min: 1, max: Number.MAX_SAFE_INTEGER }),
  },
  'dm:open': {
    nickname: nicknameField(),
  },
  'name:release': {
    nickname: nicknameField(),
  },
  'role:set': {
    userId: userIdField(),
    role: {
      required: true,
      valid: fc.constantFrom('moderator', 'none'),
      invalid: fc.constantFrom('admin', 'Moderator', '', 0, true, [], {}, ['moderator'], null),
    },
  },
  'person:remove': {
    userId: userIdField(),
    minutes: integerField({ required: false, min: 1, max: LIMITS.maxRemoveMinutes }),
  },
  'name:set': {
    userId: userIdField(),
    nickname: nicknameField(),
  },
  'file:begin': {
    room: roomField(false),
    name: textField({
      required: true,
      valid: name(200),
      maxLength: 1024,
      badCharacters: [],
    }),
    type: {
      required: true,
      valid: fc.constantFrom('', 'image/png', 'text/plain', 'application/vnd.ms-excel'),
      invalid: fc.constantFrom(
        'image',
        'IMAGE/PNG',
        'text/plain; charset=utf-8',
        'text/html<script>',
        'a/b/c',
        `x/${'y'.repeat(300)}`,
        ' image/png',
      ),
    },
    size: integerField({ required: true, ...byteCount }),
  },
  'file:chunk': {
    uploadId: uploadIdField(),
    offset: integerField({ required: true, ...byteCount }),
    data: chunkData,
  },
  'file:end': { uploadId: uploadIdField() },
  'file:cancel': { uploadId: uploadIdField() },
  'file:read': {
    id: {
      required: true,
      valid: fc.stringMatching(/^[0-9a-f]{64}$/),
      invalid: fc.oneof(
        fc.constantFrom('A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), `../${'a'.repeat(61)}`, ''),
        fc.stringMatching(/^[0-9a-f]{64}$/).map((id) => `${id.slice(0, 63)}/`),
      ),
    },
    offset: integerField({ required: true, ...byteCount }),
    length: integerField({ required: true, min: 1, max: LIMITS.fileChunkBytes }),
  },
};

// ---------------------------------------------------------------------------------------------
// Payloads and calls

/** Payloads built from valid field values; for history:fetch exactly one of after and before. */
function validPayload(event: ClientEventName): fc.Arbitrary<Record<string, unknown>> {
  const fields = EVENT_FIELDS[event];
  const record = fc.record(
    Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, spec.valid])),
    {
      requiredKeys: Object.entries(fields)
        .filter(([, spec]) => spec.required)
        .map(([name]) => name),
    },
  ) as fc.Arbitrary<Record<string, unknown>>;
  if (event !== 'history:fetch') return record;
  return fc
    .tuple(record, fc.constantFrom('after', 'before'))
    .map(([payload, keep]) =>
      without({ ...payload, [keep]: payload[keep] ?? 1 }, keep === 'after' ? 'before' : 'after'),
    );
}

type Mutation = (payload: Record<string, unknown>) => Record<string, unknown>;

function mutations(event: ClientEventName): fc.Arbitrary<Mutation> {
  const fields = Object.entries(EVENT_FIELDS[event]);
  const names = fields.map(([name]) => name);
  // An event without fields (session:challenge) can only get fields it does not know.
  if (fields.length === 0) return extraField(names);
  const wrongValue = fc.constantFrom(...fields).chain(([name, spec]) =>
    fc.oneof({ weight: 3, arbitrary: spec.invalid }, { weight: 2, arbitrary: junk }).map(
      (value): Mutation =>
        (payload) =>
          withKey(payload, name, value),
    ),
  );
  const missing = fc.constantFrom(...names).map(
    (name): Mutation =>
      (payload) =>
        without(payload, name),
  );
  return fc.oneof(wrongValue, missing, extraField(names));
}

/** Adds a field the event does not have. */
function extraField(names: readonly string[]): fc.Arbitrary<Mutation> {
  const extraName = fc.oneof(
    fc.constantFrom(...PROTOTYPE_KEYS),
    fc.constantFrom('id', 'room', 'author', 'sentAt', 'ok', 'admin', '', ' ', 'NICKNAME', 'Text'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.integer({ min: 50, max: 5_000 }).map((length) => 'k'.repeat(length)),
  );
  return fc
    .tuple(
      extraName.filter((name) => !names.includes(name)),
      fc.oneof(scalar, junk),
    )
    .map(
      ([name, value]): Mutation =>
        (payload) =>
          withKey(payload, name, value),
    );
}

/** A payload object with one to three things wrong with it. */
function mutatedPayload(event: ClientEventName): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(validPayload(event), fc.array(mutations(event), { minLength: 1, maxLength: 3 }))
    .map(([payload, changes]) => changes.reduce((value, change) => change(value), payload));
}

/** Something that is not a payload object at all. */
function notAnObject(event: ClientEventName): fc.Arbitrary<unknown> {
  const valid = validPayload(event);
  return fc.oneof(
    junk,
    valid.map((payload) => [payload]),
    valid.map((payload) => JSON.stringify(payload)),
    valid.map((payload) => withKey({}, '__proto__', payload)),
    valid.map((payload) => withKey({}, 'constructor', { prototype: payload })),
    binaryOf(valid.map((payload) => JSON.stringify(payload))),
  );
}

/** Not exactly one payload: none, or extra arguments after it. */
function wrongArity(event: ClientEventName): fc.Arbitrary<unknown[]> {
  return fc.oneof<fc.Arbitrary<unknown[]>[]>(
    fc.constant([]),
    fc
      .tuple(validPayload(event), fc.array(fc.oneof(scalar, junk), { minLength: 1, maxLength: 3 }))
      .map(([payload, extra]) => [payload, ...extra]),
    validPayload(event).map((payload) => [payload, payload]),
  );
}

/** Packets the server cannot take at all: over the frame limit, or too many attachments. */
function unacceptablePacket(event: ClientEventName): fc.Arbitrary<unknown[]> {
  const limit = LIMITS.maxPayloadBytes;
  // A field of the event's, or (for an event without fields) one it does not know: too big either way.
  const field = fc.constantFrom(...Object.keys(EVENT_FIELDS[event]), 'padding');
  return fc.oneof(
    fc
      .tuple(validPayload(event), field, fc.constantFrom('x', 'é', '漢', '😀', '\u0000'))
      .chain(([payload, name, character]) =>
        fc
          .integer({ min: limit, max: limit * 3 })
          .map((length) => [withKey(payload, name, character.repeat(length))]),
      ),
    fc
      .tuple(validPayload(event), fc.integer({ min: limit + 1, max: limit * 2 }))
      .map(([payload, size]) => [withKey(payload, 'attachment', Buffer.alloc(size, 1))]),
    fc
      .tuple(validPayload(event), fc.integer({ min: MAX_ATTACHMENTS + 1, max: 40 }))
      .map(([payload, count]) => [
        withKey(
          payload,
          'parts',
          Array.from({ length: count }, () => Buffer.from('x')),
        ),
      ]),
  );
}

/** Calls of `event`, mostly malformed, some valid, a few that must close the connection. */
export function callsOf(event: ClientEventName): fc.Arbitrary<FuzzCall> {
  const args = fc.oneof(
    { weight: 60, arbitrary: mutatedPayload(event).map((payload) => [payload]) },
    { weight: 17, arbitrary: notAnObject(event).map((payload) => [payload]) },
    { weight: 8, arbitrary: wrongArity(event) },
    { weight: 8, arbitrary: validPayload(event).map((payload) => [payload]) },
    { weight: 3, arbitrary: unacceptablePacket(event) },
  );
  return toCalls(fc.constant(event), args);
}

/** Events that are not in the protocol, with any arguments. */
export function unknownEventCalls(): fc.Arbitrary<FuzzCall> {
  const names = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    fc.constantFrom(
      ...PROTOTYPE_KEYS,
      'error',
      'message',
      'connection',
      'session:leave',
      'room:delete',
      'SESSION:JOIN',
      'message:send ',
      ' typing:set',
      'message:created',
      'presence:joined',
    ),
    fc
      .constantFrom(...CLIENT_EVENTS)
      .chain((event) =>
        fc.constantFrom(`${event}\u0000`, `${event}\uD800`, event.toUpperCase(), `${event}:x`),
      ),
    fc.integer({ min: 200, max: 5_000 }).map((length) => 'e'.repeat(length)),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
  );
  const eventNames = names.filter(
    (name) =>
      !(CLIENT_EVENTS as readonly unknown[]).includes(name) &&
      !RESERVED_EVENTS.includes(String(name)),
  );
  return toCalls(eventNames, fc.array(junk, { maxLength: 3 }));
}

function toCalls(
  events: fc.Arbitrary<string | number>,
  args: fc.Arbitrary<unknown[]>,
): fc.Arbitrary<FuzzCall> {
  return fc
    .record({ event: events, args, target: fc.constantFrom<Target>('stranger', 'member') })
    .filter((call) => !['ambiguous', 'unsendable'].includes(judge(call).kind))
    .map((call) => ({ ...call, [fc.toStringMethod]: () => describeCall(call) }));
}

/** A short description of a call for failure messages: long strings and buffers abbreviated. */
export function describeCall(call: FuzzCall): string {
  const json = JSON.stringify(call.args, function (this: unknown, key: string, value: unknown) {
    const original = (this as Record<string, unknown>)[key];
    if (isBinary(original)) return `<${original.constructor.name} of ${original.byteLength} bytes>`;
    if (typeof value === 'string' && value.length > 80) {
      return `${value.slice(0, 40)}…(${value.length} characters)`;
    }
    return value;
  });
  const shown = json.length > 600 ? `${json.slice(0, 600)}…(${json.length} characters)` : json;
  return `${call.target} → ${JSON.stringify(call.event)} ${shown}`;
}
