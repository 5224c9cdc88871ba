/**
 * Who may enter, who may moderate, and removing someone: the passphrase (its scrypt hash, with
 * wrong guesses limited per address), roles (the host and admins, moderators: `roleOf`,
 * `mayModerate`) and the time a removed person and their address are kept out. `session:join`
 * asks `admit` before anything else; `kick` (the host) and `remove` (an admin or moderator,
 * `person:remove`) tell every connection of the person why and disconnect them.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { LIMITS } from '../shared/limits';
import type { Role, User } from '../shared/protocol';
import { fail, ok, type Failure, type Result } from '../shared/result';
import { AdminToken } from './admin-token';
import { HashingGate } from './hashing-gate';
import { blockedFor, consume, type Limiter } from './rate-limits';
import { verifyPassphrase, type PassphraseHash } from './passphrase';
import type { People } from './people';
import type { Roster } from './roster';
import type { AdminTokenStore } from './storage/history-store';
import type { ParleyServer } from './socket-types';

export interface ModerationOptions {
  io: ParleyServer;
  roster: Roster;
  /** The room's passphrase as an scrypt hash; null when anyone may join. */
  passphrase: PassphraseHash | null;
  /** Wrong passphrases per address; used up = joins refused until the window ends. */
  wrongPassphrase: Limiter;
  /** Addresses that never wait out a removal (the server's own machine). */
  isRateLimitExempt: (address: string) => boolean;
  /** Everyone who ever joined, with their stored roles. */
  people: People;
  /** True for the host's address (the server's own machine). */
  isHost: (address: string) => boolean;
  /** True: whoever joins from the host's address is an admin (the desktop app's host). */
  hostIsAdmin: boolean;
  /** Wrong admin tokens per address (see admin-token.ts). */
  wrongAdminToken: Limiter;
  /** Where the admin links' tokens wait for their use (the history's store). */
  adminTokens: AdminTokenStore;
  /** Where a token that could not be given back is reported. */
  onError: (error: unknown) => void;
  /**
   * Removals shared with the other servers on the database (limiters.ts): written besides this
   * server's own (which holds at once, before the database has it) and checked with them.
   */
  sharedRemovals?: Limiter | null;
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

  /** The admin link's one-time token (`parley serve` prints it). */
  readonly adminToken: AdminToken;

  constructor(options: ModerationOptions) {
    this.#options = options;
    this.adminToken = new AdminToken(options.wrongAdminToken, options.adminTokens, options.onError);
  }

  /**
   * The role of the person `personId` joining (or joined) from `address`: `admin` for the host
   * (when the host is admin, see ChatServerOptions.hostIsAdmin), else their stored role.
   */
  roleOf(personId: string, address: string): Role | undefined {
    const { isHost, hostIsAdmin, people } = this.#options;
    if (hostIsAdmin && isHost(address)) return 'admin';
    return people.get(personId)?.role;
  }

  /**
   * True when the person `personId`, connected from `address`, may moderate: remove people and
   * delete anyone's messages. The host (the desktop app's: whoever joins from the server's own
   * machine, see hostIsAdmin), admins and moderators may. `parley serve` has no host: there a
   * loopback address alone gives nothing (behind a reverse proxy everyone comes from loopback).
   */
  mayModerate(personId: string, address: string): boolean {
    return this.roleOf(personId, address) !== undefined;
  }

  /** True when `personId` from `address` is an admin (the host of the desktop app included). */
  isAdmin(personId: string, address: string): boolean {
    return this.roleOf(personId, address) === 'admin';
  }

  /** The role `personId` shows now: as online (the host's admin role included), else stored. */
  shownRoleOf(personId: string): Role | undefined {
    return (
      this.#options.roster.byUserId(personId)?.user.role ?? this.#options.people.get(personId)?.role
    );
  }

  get passphraseRequired(): boolean {
    return this.#options.passphrase !== null;
  }

  /**
   * The refusals `admit` would give `address` now that cost nothing to find: its passphrase being
   * checked already, or the server checking as many as it will. A join asks before it checks the
   * device key's proof, so a burst of guesses from many addresses is turned away for the price
   * of a lookup, not a signature check each (admit decides again, later).
   */
  refusedAtOnce(address: string): Failure<Refusal> | null {
    if (!this.#options.passphrase) return null;
    if (this.#checking.has(address)) return beingChecked();
    if (this.#gate.full) return busyChecking();
    return null;
  }

  /** Null when someone at `address` giving `passphrase` may join; else why not. */
  async admit(
    address: string,
    passphrase: string | undefined,
    person: string | undefined,
  ): Promise<Failure<Refusal> | null> {
    const kickedFor = Math.max(
      await this.#keptOutFor(address),
      person === undefined ? 0 : await this.#keptOutFor(personKey(person)),
    );
    if (kickedFor > 0) {
      return fail(
        'kicked',
        `You were removed from this room. You can join again in ${describeWait(kickedFor)}.`,
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
    if (this.#checking.has(address)) return beingChecked();
    if (!(await consume(guesses, address))) return tooMany();
    this.#checking.add(address);
    try {
      const checked = await this.#gate.run(() => verifyPassphrase(expected, passphrase));
      if (!checked) {
        // Not checked, so not a guess: its point is given back.
        await guesses.reward(address, 1);
        return busyChecking();
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
    const session = this.#options.roster.byUserId(userId);
    if (!session) return fail('invalid_payload', 'That person is not in the room any more.');
    this.#keepOut(userId, LIMITS.kickCooldownSeconds, 'The host removed you from the room.');
    return ok({ user: session.user });
  }

  /**
   * Removes the person `userId` (an admin's or moderator's decision, checked by the caller):
   * every connection of theirs is told and closed, and their identity and every address they were
   * connected from (except the server's own machine) are kept out for `seconds`. Resolves with how
   * many connections were closed (none: they were away; they still cannot come back).
   */
  remove(userId: string, seconds: number, message: string): number {
    return this.#keepOut(userId, seconds, message);
  }

  #keepOut(userId: string, seconds: number, message: string): number {
    const { io, isRateLimitExempt } = this.#options;
    this.#keepOutKey(personKey(userId), seconds);
    // By identity, not by the roster's one session: a person may be on several connections.
    const sockets = [...io.sockets.sockets.values()].filter(
      (socket) => socket.data.user?.id === userId,
    );
    for (const socket of sockets) {
      const address = socket.handshake.address;
      if (!isRateLimitExempt(address)) this.#keepOutKey(address, seconds);
      socket.emit('session:ended', { code: 'kicked', message });
      // The disconnect handler removes the session and tells the others.
      socket.disconnect(true);
    }
    // Their connections to other nodes of a cluster, through the adapter (cluster/).
    const elsewhere = this.#options.roster
      .sessionsOf(userId)
      .flatMap((session) => (session.node === undefined ? [] : [session.socketId]));
    if (elsewhere.length > 0) {
      io.to(elsewhere).emit('session:ended', { code: 'kicked', message });
      io.in(elsewhere).disconnectSockets(true);
    }
    return sockets.length + elsewhere.length;
  }

  #keepOutKey(key: string, seconds: number): void {
    void this.#kicked.block(key, seconds);
    void this.#options.sharedRemovals?.block(key, seconds);
  }

  /** Whole seconds `key` (an address, a person) is still kept out for; 0: it is not. */
  async #keptOutFor(key: string): Promise<number> {
    const shared = this.#options.sharedRemovals;
    return Math.max(
      await blockedFor(this.#kicked, key),
      shared ? await blockedFor(shared, key) : 0,
    );
  }
}

/** The removed-people limiter counts addresses and people: a person's key cannot be an address. */
function personKey(person: string): string {
  return `person ${person}`;
}

export function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

const beingChecked = () =>
  fail('rate_limited', 'A passphrase from your address is being checked. Wait for it.');
const busyChecking = () =>
  fail(
    'rate_limited',
    'The server is checking many passphrases right now. Try again in a few seconds.',
  );
