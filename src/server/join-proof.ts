/**
 * The proof a client gives when joining: the server's challenge (random, one per connection, used
 * once) and the host it connected to, signed with its device key (src/client/device-key.ts). The
 * host in the proof is what makes it useless elsewhere: a server you join cannot pass your proof
 * on to another server as its own.
 */
import { createPublicKey, randomFillSync, verify } from 'node:crypto';
import { joinProofText, type JoinProof } from '../shared/join-proof-text';
import type { ParleyServer } from './socket-types';

const CHALLENGE_BYTES = 32;
/**
 * Random bytes for the next 128 challenges, filled at once: every connection gets a challenge,
 * and one call for each cost a join storm a tenth of a second of its CPU.
 */
const challengePool = Buffer.alloc(CHALLENGE_BYTES * 128);
let challengeAt = challengePool.length;

/** A new challenge: 32 random bytes (from the operating system's generator), base64url. */
export function newChallenge(): string {
  if (challengeAt === challengePool.length) {
    randomFillSync(challengePool);
    challengeAt = 0;
  }
  const challenge = challengePool.toString('base64url', challengeAt, challengeAt + CHALLENGE_BYTES);
  challengeAt += CHALLENGE_BYTES;
  return challenge;
}

/**
 * Gives every connection that `io` accepts the challenge its first join signs (`session:hello`),
 * before its Socket.IO connect completes: the client holds it when `connect` fires (socket.io-client
 * keeps what comes before the connect and hands it out first), so a join is one round trip, not
 * two. `session:challenge` still gives a new one (after a failed join, or to older clients).
 * Registered after the connection limits: a refused connection gets none.
 */
export function greetWithChallenge(io: ParleyServer): void {
  io.use((socket, next) => {
    const challenge = newChallenge();
    socket.data.challenge = challenge;
    socket.emit('session:hello', { challenge });
    next();
  });
}

/** Host names compare without case, and a port a URL leaves out is the scheme's default. */
function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/:(80|443)$/, '');
}

export type ProofCheck = { ok: true } | { ok: false; message: string };

/** Checks a join proof against the connection's challenge and the host it was made for. */
export function checkJoinProof(
  proof: JoinProof,
  challenge: string | undefined,
  serverHost: string | undefined,
): ProofCheck {
  if (challenge === undefined) {
    return { ok: false, message: 'Ask for a challenge (session:challenge) before joining.' };
  }
  if (serverHost !== undefined && normalizeHost(proof.host) !== normalizeHost(serverHost)) {
    return {
      ok: false,
      message: `The device key proof was made for "${proof.host}", not for this server ("${serverHost}").`,
    };
  }
  let valid: boolean;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: proof.publicKey },
      format: 'jwk',
    });
    const data = Buffer.from(joinProofText(challenge, proof.host));
    valid = verify(null, data, key, Buffer.from(proof.signature, 'base64url'));
  } catch {
    valid = false;
  }
  return valid
    ? { ok: true }
    : { ok: false, message: 'The device key proof does not match: join again.' };
}
