/** Challenges: each a fresh 32 random bytes, also across the refills of the pool they come from. */
import { describe, expect, it } from 'vitest';
import { newChallenge } from './join-proof';

describe('newChallenge', () => {
  it('gives 32 random bytes each time, never the same twice, past several refills', () => {
    const challenges = Array.from({ length: 1_000 }, () => newChallenge());
    for (const challenge of challenges) {
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(challenge, 'base64url')).toHaveLength(32);
    }
    expect(new Set(challenges).size).toBe(challenges.length);
  });
});
