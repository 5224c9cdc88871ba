/**
 * The composer's "characters left" counts as the server and the textarea's maxlength do (UTF-16
 * code units, an emoji is 2): a draft the counter calls full is one the server accepts, and one
 * more character is refused by both.
 */
import { describe, expect, it } from 'vitest';
import type { ParleyApi } from '../../../shared/api';
import { LIMITS } from '../../../shared/limits';
import { messageTextSchema } from '../../../shared/schemas';
import { ComposerState } from './composer-state.svelte';

describe('ComposerState.charactersLeft', () => {
  // Counting needs no connection: nothing is sent.
  const composer = () => new ComposerState({} as ParleyApi['chat']);

  it('counts an emoji as 2, as the server does', () => {
    const state = composer();
    state.text = '\u{1F600}'.repeat(LIMITS.messageMaxLength / 2);
    expect(state.charactersLeft).toBe(0);
    expect(messageTextSchema.safeParse(state.text).success).toBe(true);
    state.text += 'a';
    expect(state.charactersLeft).toBe(-1);
    expect(messageTextSchema.safeParse(state.text).success).toBe(false);
  });

  it('counts plain text one per character', () => {
    const state = composer();
    state.text = 'hello';
    expect(state.charactersLeft).toBe(LIMITS.messageMaxLength - 5);
  });
});

describe('ComposerState over the limit', () => {
  it('says by how much, keeps every character, and will not send', async () => {
    const posted: string[] = [];
    const chat = {
      post: (text: string) => {
        posted.push(text);
        return Promise.resolve({ ok: true });
      },
      setTyping: () => Promise.resolve({ ok: true }),
    } as unknown as ParleyApi['chat'];
    const state = new ComposerState(chat);
    const pasted = 'x'.repeat(LIMITS.messageMaxLength + 25);
    state.text = pasted;
    expect(state.overBy).toBe(25);
    expect(state.canSend).toBe(false);
    expect(await state.send()).toBe(false);
    expect(posted).toEqual([]);
    expect(state.text).toBe(pasted);

    // Cut down to the limit: it fits and goes.
    state.text = pasted.slice(0, LIMITS.messageMaxLength);
    expect(state.overBy).toBe(0);
    expect(state.canSend).toBe(true);
    expect(await state.send()).toBe(true);
    expect(posted).toEqual([pasted.slice(0, LIMITS.messageMaxLength)]);
  });
});
