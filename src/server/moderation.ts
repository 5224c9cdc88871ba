/**
 * Who may enter, and removing someone: the passphrase (its scrypt hash, with wrong guesses limited
 * per address) and the cooldown of an address the host removed someone from. `session:join` asks
 * `admit` before anything else; the host's `kick` tells the person why and disconnects them.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { LIMITS } from '../shared/limits';
import type { User } from '../shared/protocol';
import { fail, ok, type Failure, type Result } from '../shared/result';
import { HashingGate } from './hashing-gate';
import { blockedFor, consume } from './rate-limits';
import { verifyPassphrase, type PassphraseHash } from './passphrase';
import type { Roster } from './roster';
import type { ParleyServer } from './socket-types';

export interface ModerationOptions {
  io: ParleyServer;
  roster: Roster;
  /** The room's passphrase as an scrypt hash; null when anyone may join. */
  passphrase: PassphraseHash | null;
  /** Wrong passphrases per address; used up = joins refused until the window ends. */
  wrongPassphrase: RateLimiterMemory;
  /** Addresses that never wait out a removal (the server's own machine). */
  isRateLimitExempt: (address: string) => boolean;
}

/** Why someone may not enter. */
type Refusal = 'kicked' | 'rate_limited' | 'passphrase_required' | 'wrong_passphrase';

export class Moderation {
  readonly #options: ModerationOptions;
  /** Addresses the host removed someone from: blocked for LIMITS.kickCooldownSeconds. */
  readonly #kicked = new RateLimiterMemory({ points: 1, duration: LIMITS.kickCooldownSeconds });
  /** Addresses whose passphrase is being checked now (at most one check each). */
  readonly #checking = new Set<string>();
  /** One scrypt check at a time over all addresses (see hashing-gate.ts). */
  readonly #gate = new HashingGate({
    maxWaiting: LIMITS.passphraseChecks.waiting,
    spacingMs: 1000 / LIMITS.passphraseChecks.perSecond,
  });

  constructor(options: ModerationOptions) {
    this.#options = options;
  }

  get passphraseRequired(): boolean {
    return this.#options.passphrase !== null;
  }

  /** Null when someone at `address` giving `passphrase` may join; else why not. */
  async admit(
    address: string,
    passphrase: string | undefined,
    person: string | undefined,
  ): Promise<Failure<Refusal> | null> {
    const kickedFor = Math.max(
      await blockedFor(this.#kicked, address),
      person === undefined ? 0 : await blockedFor(this.#kicked, personKey(person)),
    );
    if (kickedFor > 0) {
      return fail(
        'kicked',
        `The host removed you from this room. You can join again in ${describeWait(kickedFor)}.`,
      );
    }
    const expected = this.#options.passphrase;
    if (!expected) return null;
    const guesses = this.#options.wrongPassphrase;
    const tooMany = async () =>
      fail(
        'rate_limited',
        `Too many wrong passphrases. Try again in ${describeWait(await blockedFor(guesses, address))}.`,
      );
    if ((await blockedFor(guesses, address)) > 0) return tooMany();
    if (passphrase === undefined) {
      return fail('passphrase_required', 'This room needs a passphrase to join.');
    }
    // One check at a time per address, and each guess counted before it is checked: guesses sent
    // all at once cannot all be checked before the first wrong one is counted.
    if (this.#checking.has(address)) {
      return fail('rate_limited', 'A passphrase from your address is being checked. Wait for it.');
    }
    if (!(await consume(guesses, address))) return tooMany();
    this.#checking.add(address);
    try {
      const checked = await this.#gate.run(() => verifyPassphrase(expected, passphrase));
      if (!checked) {
        // Not checked, so not a guess: its point is given back.
        await guesses.reward(address, 1);
        return fail(
          'rate_limited',
          'The server is checking many passphrases right now. Try again in a few seconds.',
        );
      }
      if (!checked.value) {
        return fail('wrong_passphrase', 'That passphrase is not right.');
      }
      // A right passphrase is no guess: its point is given back.
      await guesses.reward(address, 1);
      return null;
    } finally {
      this.#checking.delete(address);
    }
  }

  /**
   * Removes someone (the host's decision): they are told why and disconnected, and neither the
   * person (their identity, from any address) nor their network address (except the server's own
   * machine) can join again for LIMITS.kickCooldownSeconds.
   */
  kick(userId: string): Result<{ user: User }> {
    const { io, roster, isRateLimitExempt } = this.#options;
    // Every device of the person: removing someone removes all their connections.
    const sessions = roster.sessionsOf(userId);
    const first = sessions[0];
    if (!first) return fail('invalid_payload', 'That person is not in the room any more.');
    void this.#kicked.block(personKey(first.user.id), LIMITS.kickCooldownSeconds);
    for (const session of [...sessions]) {
      const socket = io.sockets.sockets.get(session.socketId);
      const address = socket?.handshake.address;
      if (address !== undefined && !isRateLimitExempt(address)) {
        void this.#kicked.block(address, LIMITS.kickCooldownSeconds);
      }
      socket?.emit('session:ended', {
        code: 'kicked',
        message: 'The host removed you from the room.',
      });
      // The disconnect handler removes the session and tells the others.
      socket?.disconnect(true);
    }
    return ok({ user: first.user });
  }
}

/** The removed-people limiter counts addresses and people: a person's key cannot be an address. */
function personKey(person: string): string {
  return `person ${person}`;
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
