/**
 * zod schemas for every client→server payload. The server parses each payload with these before
 * anything else happens; the UI reuses them to check input before sending.
 * Over 450 lines, one job: every payload's rules in one place, which the event table
 * (client-events.ts), the fuzz suite and the protocol-document test all read.
 */
import { z } from 'zod';
import { FILE_ID, isFileType } from './file-name';
import { LIMITS, LINK_CODE_ALPHABET, LOBBY } from './limits';
import { showsSomething } from './visible-text';

// Control characters (C0, DEL, C1). Nicknames allow none; messages allow tab and newlines.
// Nicknames also refuse format characters (zero-width, bidi overrides): they make look-alikes.
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;
const CONTROL_EXCEPT_WHITESPACE = /[^\P{Cc}\t\n\r]/u;

function isWellFormed(text: string): boolean {
  // A lone surrogate cannot be encoded as UTF-8; refuse it rather than store replacement chars.
  return !/\p{Surrogate}/u.test(text);
}

/**
 * How long a text is, for every length limit of the protocol: UTF-16 code units, as JavaScript's
 * `String.length` and an input's `maxlength` count (an emoji is 2). zod 4's own `max` counts code
 * points instead, so limits are checked with this. A unit is at most 3 bytes of UTF-8.
 */
export function textLength(text: string): number {
  return text.length;
}

/** A refinement: at most `max` UTF-16 code units (see textLength). */
function atMost(max: number): (text: string) => boolean {
  return (text) => textLength(text) <= max;
}

export const nicknameSchema = z
  .string({ error: 'Nickname must be text.' })
  .normalize('NFC')
  .trim()
  .min(LIMITS.nicknameMinLength, { error: 'Nickname cannot be empty.' })
  .refine(atMost(LIMITS.nicknameMaxLength), {
    error: `Nickname can be at most ${LIMITS.nicknameMaxLength} characters.`,
  })
  .refine((value) => !CONTROL_OR_FORMAT.test(value), {
    error: 'Nickname cannot contain control or invisible formatting characters.',
  })
  .refine(showsSomething, {
    error: 'A nickname must show at least one letter, digit or symbol.',
  })
  .refine(isWellFormed, { error: 'Nickname contains invalid Unicode.' });

/**
 * A nickname ignoring case: how a device matches the names it shows (mentions, its own messages),
 * and the order room lists are sorted and searched in. The server decides who holds a name by
 * nameSkeleton (name-skeleton.ts), which also makes look-alikes the same name.
 */
export function nicknameKey(nickname: string): string {
  return nickname.normalize('NFC').toLocaleLowerCase('en-US');
}

export const clientIdSchema = z
  .string({ error: 'clientId must be text.' })
  .min(1, { error: 'clientId cannot be empty.' })
  .refine(atMost(LIMITS.clientIdMaxLength), {
    error: `clientId can be at most ${LIMITS.clientIdMaxLength} characters.`,
  })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'clientId may use only letters, digits, "-" and "_".' });

export const messageTextSchema = z
  .string({ error: 'Message must be text.' })
  .min(LIMITS.messageMinLength, { error: 'Message cannot be empty.' })
  .refine(atMost(LIMITS.messageMaxLength), {
    error: `Message can be at most ${LIMITS.messageMaxLength} characters.`,
  })
  .refine((value) => value.trim().length > 0, { error: 'Message cannot be only spaces.' })
  .refine((value) => !CONTROL_EXCEPT_WHITESPACE.test(value), {
    error: 'Message cannot contain control characters.',
  })
  .refine(isWellFormed, { error: 'Message contains invalid Unicode.' });

const messageIdSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** base64url text of exactly `length` characters (a key or a signature). */
function base64url(what: string, length: number) {
  return z
    .string({ error: `${what} must be text.` })
    .length(length, { error: `${what} must be ${length} base64url characters.` })
    .regex(/^[A-Za-z0-9_-]+$/, { error: `${what} must be base64url.` });
}

/** The device key's proof (see src/client/device-key.ts): an Ed25519 key and its signature. */
export const joinProofSchema = z.strictObject({
  publicKey: base64url('key.publicKey', 43),
  signature: base64url('key.signature', 86),
  host: z
    .string({ error: 'key.host must be text.' })
    .min(1, { error: 'key.host cannot be empty.' })
    .refine(atMost(255), { error: 'key.host can be at most 255 characters.' }),
});

export const challengePayloadSchema = z.strictObject({});

/**
 * A device link code as people type it: either case, spaces and dashes between groups allowed;
 * compared in capitals without them.
 */
export const linkCodeSchema = z
  .string({ error: 'link must be text.' })
  .refine(atMost(4 * LIMITS.linkCodeLength), { error: 'link is not a link code.' })
  .transform((value) => value.replace(/[\s-]/g, '').toUpperCase())
  .refine((value) => value.length === LIMITS.linkCodeLength && isLinkCode(value), {
    error: `link must be a link code: ${LIMITS.linkCodeLength} letters and digits.`,
  });

function isLinkCode(value: string): boolean {
  return [...value].every((character) => LINK_CODE_ALPHABET.includes(character));
}

export const linkCodeRequestPayloadSchema = z.strictObject({});

export const joinPayloadSchema = z.strictObject({
  nickname: nicknameSchema,
  /**
   * The device key's proof, made for the challenge of `session:challenge`. Required: optional
   * here only so that a protocol 1 client, which sends none, is told why (`identity_unproven`).
   */
  key: joinProofSchema.optional(),
  /** The id of the newest message the client already holds; the ack returns what came after. */
  since: messageIdSchema.optional(),
  /**
   * A one-time code shown on a device of an existing person (`device:link-code`): this device's
   * key is added to that person and it joins as them.
   */
  link: linkCodeSchema.optional(),
  /** The room's passphrase, when the server asks for one (`passphrase_required`). */
  passphrase: z
    .string({ error: 'passphrase must be text.' })
    .min(LIMITS.passphraseMinLength, { error: 'Passphrase cannot be empty.' })
    .refine(atMost(LIMITS.passphraseMaxLength), {
      error: `Passphrase can be at most ${LIMITS.passphraseMaxLength} characters.`,
    })
    .optional(),
  /** The one-time token of an admin link (`parley serve` prints it): joining with it makes an admin. */
  adminToken: z
    .string({ error: 'adminToken must be text.' })
    .regex(/^[A-Za-z0-9_-]{16,128}$/, { error: 'adminToken is not an admin token.' })
    .optional(),
});

/** A room id as the server makes them (`lobby`, `r-…`, `d-…`); never a storage separator. */
export const roomIdSchema = z
  .string({ error: 'room must be text.' })
  .min(1, { error: 'room cannot be empty.' })
  .refine(atMost(64), { error: 'room can be at most 64 characters.' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'room is not a room id.' });

export const roomNameSchema = z
  .string({ error: 'Room name must be text.' })
  .normalize('NFC')
  .trim()
  .min(LIMITS.roomNameMinLength, { error: 'Room name cannot be empty.' })
  .refine(atMost(LIMITS.roomNameMaxLength), {
    error: `Room name can be at most ${LIMITS.roomNameMaxLength} characters.`,
  })
  .refine((value) => !CONTROL_OR_FORMAT.test(value), {
    error: 'Room name cannot contain control or invisible formatting characters.',
  })
  .refine(showsSomething, {
    error: 'A room name must show at least one letter, digit or symbol.',
  })
  .refine(isWellFormed, { error: 'Room name contains invalid Unicode.' });

export const roomCreatePayloadSchema = z.strictObject({ name: roomNameSchema });

export const roomJoinPayloadSchema = z.strictObject({
  room: roomIdSchema,
  /** The highest message id the client holds in this room: the ack returns what came after. */
  since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const roomLeavePayloadSchema = z.strictObject({
  room: roomIdSchema.refine((room) => room !== LOBBY, { error: 'Everyone stays in the lobby.' }),
});

export const roomReadPayloadSchema = z.strictObject({
  room: roomIdSchema,
  /** The newest message of the room the person has seen. */
  id: z
    .number({ error: 'id must be a message id.' })
    .int({ error: 'id must be a message id.' })
    .min(1, { error: 'id must be a message id.' })
    .max(Number.MAX_SAFE_INTEGER, { error: 'id must be a message id.' }),
});

export const nameReleasePayloadSchema = z.strictObject({ nickname: nicknameSchema });

/** A person's identity id (`p-` and 22 base64url characters), as `User.id` carries it. */
export const userIdSchema = z
  .string({ error: 'userId must be text.' })
  .regex(/^p-[A-Za-z0-9_-]{22}$/, { error: 'userId is not a person id.' });

export const roleSetPayloadSchema = z.strictObject({
  userId: userIdSchema,
  /** `none`: no longer a moderator. Admins are made by the admin link or the host only. */
  role: z.enum(['moderator', 'none'], { error: 'role must be "moderator" or "none".' }),
});

export const personRemovePayloadSchema = z.strictObject({
  userId: userIdSchema,
  /** How long they are kept out; default LIMITS.kickCooldownSeconds. */
  minutes: z
    .number({ error: 'minutes must be a number.' })
    .int({ error: 'minutes must be a whole number.' })
    .min(1, { error: 'minutes must be at least 1.' })
    .max(LIMITS.maxRemoveMinutes, {
      error: `minutes can be at most ${LIMITS.maxRemoveMinutes} (a week).`,
    })
    .optional(),
});

export const nameSetPayloadSchema = z.strictObject({
  userId: userIdSchema,
  nickname: nicknameSchema,
});

export const roomDeletePayloadSchema = z.strictObject({
  room: roomIdSchema.refine((room) => room !== LOBBY, { error: 'The lobby cannot be deleted.' }),
});

export const roomListPayloadSchema = z.strictObject({
  /** Only rooms whose name contains this text, ignoring case; absent or empty: every room. */
  search: z
    .string({ error: 'search must be text.' })
    .max(LIMITS.roomNameMaxLength, {
      error: `search can be at most ${LIMITS.roomNameMaxLength} characters.`,
    })
    .optional(),
  /** How many rooms of the list (in name order) to skip. */
  offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(LIMITS.roomListPageLength).optional(),
});

export const peoplePagePayloadSchema = z.strictObject({
  /** Default the lobby. */
  room: roomIdSchema.optional(),
  /**
   * Where the page before ended: its `next` (people are listed in the order they came online).
   * Absent: from the start.
   */
  after: z
    .number({ error: 'after must be a number (the `next` of the page before).' })
    .int({ error: 'after must be a whole number.' })
    .min(0, { error: 'after cannot be negative.' })
    .max(Number.MAX_SAFE_INTEGER)
    .optional(),
  /** Only people whose nickname contains this text, ignoring case; absent or empty: everyone. */
  query: z
    .string({ error: 'query must be text.' })
    .max(LIMITS.nicknameMaxLength, {
      error: `query can be at most ${LIMITS.nicknameMaxLength} characters.`,
    })
    .optional(),
  limit: z
    .number({ error: 'limit must be a number.' })
    .int({ error: 'limit must be a whole number.' })
    .min(1, { error: 'limit must be at least 1.' })
    .max(LIMITS.peoplePageLength, {
      error: `limit can be at most ${LIMITS.peoplePageLength}.`,
    })
    .optional(),
});

export const directOpenPayloadSchema = z.strictObject({ nickname: nicknameSchema });

/** A message id the client names (a target of a change, the message a reply answers). */
const targetIdSchema = z
  .number({ error: 'A message id must be a number.' })
  .int({ error: 'A message id must be a whole number.' })
  .min(1, { error: 'A message id is at least 1.' })
  .max(Number.MAX_SAFE_INTEGER);

export const sendMessagePayloadSchema = z.strictObject({
  /** Default the lobby. */
  room: roomIdSchema.optional(),
  clientId: clientIdSchema,
  text: messageTextSchema,
  /** The id of the message this one answers (in the same room). */
  replyTo: targetIdSchema.optional(),
});

// What a reaction may hold besides visible characters: the zero-width joiner and the tag
// characters that build emoji sequences (families, subdivision flags). No spaces, no controls.
const REACTION_FORBIDDEN = /[\p{Cc}\p{White_Space}\p{Cs}]|(?![\u200d\u{E0020}-\u{E007F}])\p{Cf}/u;

/** How many graphemes (symbols a reader sees) `text` holds. */
function graphemeCount(text: string): number {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let count = 0;
  for (const _ of segmenter.segment(text)) count += 1;
  return count;
}

/** A reaction: any emoji (or other short symbol), at most a few graphemes. */
export const reactionEmojiSchema = z
  .string({ error: 'emoji must be text.' })
  .min(1, { error: 'emoji cannot be empty.' })
  .refine(atMost(LIMITS.reactionMaxLength), {
    error: `emoji can be at most ${LIMITS.reactionMaxLength} characters.`,
  })
  .refine((value) => !REACTION_FORBIDDEN.test(value), {
    error: 'emoji cannot contain spaces, control or invisible formatting characters.',
  })
  .refine(isWellFormed, { error: 'emoji contains invalid Unicode.' })
  .refine(showsSomething, { error: 'emoji must show something.' })
  .refine((value) => graphemeCount(value) <= LIMITS.reactionMaxGraphemes, {
    error: `emoji can be at most ${LIMITS.reactionMaxGraphemes} symbols.`,
  });

export const messageChangeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('edit'), target: targetIdSchema, text: messageTextSchema }),
    z.strictObject({ kind: z.literal('delete'), target: targetIdSchema }),
    z.strictObject({
      kind: z.literal('reaction'),
      target: targetIdSchema,
      emoji: reactionEmojiSchema,
      add: z.boolean({ error: 'add must be true or false.' }),
    }),
    z.strictObject({
      kind: z.literal('pin'),
      target: targetIdSchema,
      pinned: z.boolean({ error: 'pinned must be true or false.' }),
    }),
  ],
  { error: 'change.kind must be "edit", "delete", "reaction" or "pin".' },
);

export const changeMessagePayloadSchema = z.strictObject({
  /** Default the lobby. */
  room: roomIdSchema.optional(),
  /** Like a message's: resending the same change never applies it twice. */
  clientId: clientIdSchema,
  change: messageChangeSchema,
});

export const roomPinsPayloadSchema = z.strictObject({
  /** Default the lobby. */
  room: roomIdSchema.optional(),
});

export const typingPayloadSchema = z.strictObject({
  room: roomIdSchema.optional(),
  typing: z.boolean({ error: 'typing must be true or false.' }),
});

export const PRESENCE_STATUSES = ['online', 'away', 'busy'] as const;

/** A status line: shown beside the person's name; empty (or only spaces) means none. */
export const statusTextSchema = z
  .string({ error: 'Status line must be text.' })
  .normalize('NFC')
  .trim()
  .refine(atMost(LIMITS.statusTextMaxLength), {
    error: `Status line can be at most ${LIMITS.statusTextMaxLength} characters.`,
  })
  .refine((value) => !CONTROL_OR_FORMAT.test(value), {
    error: 'Status line cannot contain control or invisible formatting characters.',
  })
  .refine(isWellFormed, { error: 'Status line contains invalid Unicode.' });

/** The whole presence each time: `text` left out (or empty) clears the status line. */
export const presenceSetPayloadSchema = z.strictObject({
  status: z.enum(PRESENCE_STATUSES, { error: 'status must be "online", "away" or "busy".' }),
  text: statusTextSchema.optional(),
});
export type PresenceSetPayload = z.input<typeof presenceSetPayloadSchema>;

export const historyFetchPayloadSchema = z
  .strictObject({
    room: roomIdSchema.optional(),
    /** Messages right after this id (catching up), oldest first. */
    after: messageIdSchema.optional(),
    /** Messages right before this id (scrolling back), oldest first. */
    before: messageIdSchema.optional(),
    limit: z.number().int().min(1).max(LIMITS.historyPageLength).optional(),
  })
  .refine((payload) => (payload.after === undefined) !== (payload.before === undefined), {
    error: 'Give exactly one of after or before.',
  });

export const searchQueryPayloadSchema = z.strictObject({
  /** Words to find (each one also as the start of a longer word); accents and case do not count. */
  text: z
    .string({ error: 'text must be text.' })
    .refine(atMost(LIMITS.searchTextMaxLength), {
      error: `text can be at most ${LIMITS.searchTextMaxLength} characters.`,
    })
    .refine((value) => /[\p{L}\p{N}]/u.test(value), {
      error: 'text needs at least one letter or digit.',
    })
    .refine(isWellFormed, { error: 'text contains invalid Unicode.' }),
  /** Only messages in this room (or direct conversation). */
  room: roomIdSchema.optional(),
  /** Only messages by this person: a nickname (ignoring case and accents) or an identity id. */
  author: z
    .string({ error: 'author must be text.' })
    .refine((value) => value.trim().length > 0, { error: 'author cannot be empty.' })
    .refine(atMost(LIMITS.nicknameMaxLength), {
      error: `author can be at most ${LIMITS.nicknameMaxLength} characters.`,
    })
    .refine(isWellFormed, { error: 'author contains invalid Unicode.' })
    .optional(),
  /** Only messages older than this id (the next page: the last result's id). */
  before: messageIdSchema.optional(),
  limit: z.number().int().min(1).max(LIMITS.searchPageLength).optional(),
});

/** Upload ids as the server makes them. */
export const uploadIdSchema = z
  .string({ error: 'uploadId must be text.' })
  .min(1, { error: 'uploadId cannot be empty.' })
  .refine(atMost(64), { error: 'uploadId can be at most 64 characters.' })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'uploadId is not an upload id.' });

const byteCountSchema = z
  .number({ error: 'Must be a number of bytes.' })
  .int({ error: 'Must be a whole number of bytes.' })
  .min(0, { error: 'Cannot be negative.' })
  .max(Number.MAX_SAFE_INTEGER);

/** Checked, not sanitized: the server sanitizes the name it stores (see file-name.ts). */
export const fileBeginPayloadSchema = z.strictObject({
  room: roomIdSchema.optional(),
  name: z
    .string({ error: 'name must be text.' })
    .refine(atMost(1024), { error: 'name can be at most 1024 characters.' }),
  /** A MIME type (`image/png`); empty: unknown (stored as application/octet-stream). */
  type: z
    .string({ error: 'type must be text.' })
    .refine((value) => value === '' || isFileType(value), {
      error: 'type must be a MIME type such as image/png, or empty.',
    }),
  /** 0 and sizes over the server's limit get their own error codes (file_empty, file_too_large). */
  size: byteCountSchema,
  /**
   * The file message's clientId: an upload begun again after a lost connection posts the
   * message once (see message:send). Without one, each upload is a message of its own.
   */
  clientId: clientIdSchema.optional(),
});

export const fileChunkPayloadSchema = z.strictObject({
  uploadId: uploadIdSchema,
  /** Where the chunk's first byte goes: the number of bytes sent before it. */
  offset: byteCountSchema,
  /** A binary attachment (a Buffer once Socket.IO decoded it). */
  data: z.custom<Uint8Array>((value) => value instanceof Uint8Array, {
    error: 'data must be binary (a Buffer, Uint8Array or ArrayBuffer sent as an attachment).',
  }),
});

export const fileEndPayloadSchema = z.strictObject({ uploadId: uploadIdSchema });
export const fileCancelPayloadSchema = z.strictObject({ uploadId: uploadIdSchema });

export const fileIdSchema = z
  .string({ error: 'id must be text.' })
  .regex(FILE_ID, { error: 'id is not a file id (64 hex digits).' });

export const fileReadPayloadSchema = z.strictObject({
  id: fileIdSchema,
  offset: byteCountSchema,
  length: z
    .number({ error: 'length must be a number.' })
    .int({ error: 'length must be a whole number.' })
    .min(1, { error: 'length must be at least 1.' })
    .max(LIMITS.fileChunkBytes, {
      error: `length can be at most ${LIMITS.fileChunkBytes} bytes.`,
    }),
});

/** A message's attachment as clients pass it back (to download or preview it). */
export const fileAttachmentSchema = z.strictObject({
  id: fileIdSchema,
  name: z.string().min(1).refine(atMost(1024)),
  size: byteCountSchema,
  type: z.string().refine(atMost(255)),
});

/** Transfer ids the UI makes for `files.upload` / `files.save` (see ParleyApi.files). */
export const transferIdSchema = clientIdSchema;

export type JoinPayload = z.infer<typeof joinPayloadSchema>;
export type SendMessagePayload = z.infer<typeof sendMessagePayloadSchema>;
export type ChangeMessagePayload = z.infer<typeof changeMessagePayloadSchema>;
export type TypingPayload = z.infer<typeof typingPayloadSchema>;
export type RoomCreatePayload = z.infer<typeof roomCreatePayloadSchema>;
export type RoomJoinPayload = z.infer<typeof roomJoinPayloadSchema>;
export type RoomLeavePayload = z.infer<typeof roomLeavePayloadSchema>;
export type RoomDeletePayload = z.infer<typeof roomDeletePayloadSchema>;
export type RoomListPayload = z.infer<typeof roomListPayloadSchema>;
export type PeoplePagePayload = z.infer<typeof peoplePagePayloadSchema>;
export type RoomReadPayload = z.infer<typeof roomReadPayloadSchema>;
export type DirectOpenPayload = z.infer<typeof directOpenPayloadSchema>;
export type RoleSetPayload = z.infer<typeof roleSetPayloadSchema>;
export type PersonRemovePayload = z.infer<typeof personRemovePayloadSchema>;
export type NameSetPayload = z.infer<typeof nameSetPayloadSchema>;
export type HistoryFetchPayload = z.infer<typeof historyFetchPayloadSchema>;
export type SearchQueryPayload = z.infer<typeof searchQueryPayloadSchema>;
export type FileBeginPayload = z.infer<typeof fileBeginPayloadSchema>;
export type FileChunkPayload = { uploadId: string; offset: number; data: Uint8Array | ArrayBuffer };
export type FileEndPayload = z.infer<typeof fileEndPayloadSchema>;
export type FileCancelPayload = z.infer<typeof fileCancelPayloadSchema>;
export type FileReadPayload = z.infer<typeof fileReadPayloadSchema>;

/** One readable sentence for a failed parse of `input`: the first problem, with where it is. */
export function describeIssues(error: z.ZodError, input?: unknown): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid payload.';
  if (issue.code === 'unrecognized_keys') return `Unknown field(s): ${listKeys(issue.keys)}.`;
  const where = issue.path.join('.');
  if (issue.code === 'invalid_type') {
    if (
      where === '' &&
      (typeof input !== 'object' || input === null) &&
      issue.expected === 'object'
    ) {
      return 'Payload must be an object.';
    }
    if (where !== '' && valueAt(input, issue.path) === undefined) return `${where} is required.`;
  }
  if (issue.message.endsWith('.')) return issue.message;
  return where === '' ? `${issue.message}.` : `${where}: ${issue.message}.`;
}

// The keys come from the sender: name a few, shortened, so that an error never echoes a payload
// back (a 64 KiB object can hold thousands of keys).
const KEYS_SHOWN = 5;
const KEY_CHARACTERS_SHOWN = 32;

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, KEYS_SHOWN).map((key) => {
    const characters = Array.from(key);
    return characters.length > KEY_CHARACTERS_SHOWN
      ? `${characters.slice(0, KEY_CHARACTERS_SHOWN).join('')}…`
      : key;
  });
  const more = keys.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
