/**
 * Small helpers over rate-limiter-flexible's limiters, which reject with a result object (not an
 * Error) when a key has used up its points.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A rate limiter, counting in memory or in PostgreSQL (see limiters.ts). */
export type Limiter = RateLimiterAbstract;

/** False when `key` has used up `limiter`; unexpected failures are thrown. */
export async function consume(limiter: Limiter, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (rejection) {
    if (rejection instanceof Error) throw rejection;
    return false; // rate-limiter-flexible rejects with a RateLimiterRes when the limit is hit
  }
}

/** Whole seconds until `limiter` lets `key` through again; 0 when it does now. */
export async function blockedFor(limiter: Limiter, key: string): Promise<number> {
  const state = await limiter.get(key);
  if (!state || state.remainingPoints > 0) return 0;
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}
