import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits';
import {
  describeIssues,
  joinPayloadSchema,
  messageTextSchema,
  nicknameSchema,
  roomNameSchema,
  sendMessagePayloadSchema,
  textLength,
  typingPayloadSchema,
} from './schemas';

function errorOf(
  schema: { safeParse(value: unknown): { success: boolean; error?: unknown } },
  value: unknown,
) {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return describeIssues(result.error as never, value);
}

describe('nicknameSchema', () => {
  it('trims and keeps valid nicknames', () => {
    expect(nicknameSchema.parse('  Ada Lovelace ')).toBe('Ada Lovelace');
    expect(nicknameSchema.parse('é'.normalize('NFD'))).toBe('é'.normalize('NFC'));
    expect(nicknameSchema.parse('x'.repeat(LIMITS.nicknameMaxLength))).toHaveLength(32);
  });

  it.each([
    ['', /cannot be empty/],
    ['    ', /cannot be empty/],
    ['x'.repeat(LIMITS.nicknameMaxLength + 1), /at most 32 characters/],
    ['bad\u0000name', /control or invisible/],
    ['tab\tname', /control or invisible/],
    ['line\nbreak', /control or invisible/],
    ['zero\u200Bwidth', /control or invisible/],
    ['\u202Eecila', /control or invisible/],
    ['lone\uD800', /invalid Unicode/],
    [42, /must be text/],
  ])('rejects %j', (value, message) => {
    expect(errorOf(nicknameSchema, value)).toMatch(message);
  });
});

describe('messageTextSchema', () => {
  it('accepts text with newlines and tabs up to the limit', () => {
    expect(messageTextSchema.parse('line one\nline\ttwo')).toBe('line one\nline\ttwo');
    expect(messageTextSchema.parse('a'.repeat(LIMITS.messageMaxLength))).toHaveLength(4000);
  });

  it.each([
    ['', /cannot be empty/],
    [' \n\t ', /only spaces/],
    ['a'.repeat(LIMITS.messageMaxLength + 1), /at most 4000 characters/],
    ['bell\u0007', /control characters/],
    ['\uDFFFlone', /invalid Unicode/],
    [null, /must be text/],
  ])('rejects %j', (value, message) => {
    expect(errorOf(messageTextSchema, value)).toMatch(message);
  });
});

describe('lengths count UTF-16 code units (an emoji is 2), as String.length and maxlength do', () => {
  const emoji = '\u{1F600}';
  it.each([
    ['a message', messageTextSchema, LIMITS.messageMaxLength, /at most 4000 characters/],
    ['a nickname', nicknameSchema, LIMITS.nicknameMaxLength, /at most 32 characters/],
    ['a room name', roomNameSchema, LIMITS.roomNameMaxLength, /at most 48 characters/],
  ] as const)('%s: emoji up to the limit pass, one unit over fails', (_, schema, max, message) => {
    const atLimit = emoji.repeat(max / 2);
    expect(textLength(atLimit)).toBe(max);
    expect(schema.parse(atLimit)).toBe(atLimit);
    expect(errorOf(schema, `${atLimit}a`)).toMatch(message);
    // Counted as code points, as zod's own max does, twice the limit in emoji would pass.
    expect(errorOf(schema, emoji.repeat(max))).toMatch(message);
  });
});

describe('payload schemas', () => {
  it('reject extra fields, missing fields and non-objects with readable messages', () => {
    expect(errorOf(joinPayloadSchema, { nickname: 'a', admin: true })).toBe(
      'Unknown field(s): admin.',
    );
    expect(errorOf(joinPayloadSchema, {})).toBe('nickname is required.');
    expect(errorOf(joinPayloadSchema, 'alice')).toBe('Payload must be an object.');
    expect(errorOf(joinPayloadSchema, { nickname: 'a', since: -1 })).toMatch(/^since:/);
    expect(errorOf(sendMessagePayloadSchema, { clientId: 'a b', text: 'hi' })).toMatch(
      /clientId may use only/,
    );
    expect(errorOf(sendMessagePayloadSchema, { text: 'hi' })).toBe('clientId is required.');
    expect(errorOf(typingPayloadSchema, { typing: 'yes' })).toMatch(/true or false/);
  });

  it('name a few unknown fields, shortened, instead of echoing them all', () => {
    const payload: Record<string, unknown> = { nickname: 'a', ['k'.repeat(5_000)]: 1 };
    for (let index = 0; index < 8_000; index++) payload[`extra${index}`] = 0;
    expect(errorOf(joinPayloadSchema, payload)).toBe(
      `Unknown field(s): ${'k'.repeat(32)}…, extra0, extra1, extra2, extra3 and 7996 more.`,
    );
  });

  it('ignore prototype keys instead of trusting them', () => {
    const payload = JSON.parse('{"nickname":"a","__proto__":{"admin":true}}');
    expect(errorOf(joinPayloadSchema, payload)).toMatch(/Unknown field/);
  });
});
