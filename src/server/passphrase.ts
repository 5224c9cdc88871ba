/**
 * Room passphrases. The server keeps only an scrypt hash (random salt, memory-hard: guessing
 * offline is slow), compares in constant time, and hashes on a thread of its own at the lowest priority
 * (scrypt-worker.ts) so that checking a join never holds up message delivery. The plain passphrase
 * is dropped as soon as it is hashed.
 */
import { randomBytes, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { scryptWorker } from './scrypt-worker';

/**
 * scrypt cost N = 2^14, r = 8, p = 1 (16 MiB and tens of ms per check, Node's default cost): a
 * guess costs the server that much, and the per-address limit caps the guesses. The hash lives
 * only in the server's memory.
 */
const SCRYPT: ScryptOptions = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export interface PassphraseHash {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function derive(passphrase: string, salt: Buffer): Promise<Buffer> {
  return scryptWorker.derive(passphrase.normalize('NFC'), salt, KEY_LENGTH, SCRYPT);
}

export async function hashPassphrase(passphrase: string): Promise<PassphraseHash> {
  const salt = randomBytes(16);
  return { salt, hash: await derive(passphrase, salt) };
}

/** True when `candidate` is the passphrase; takes the same time whatever it is. */
export async function verifyPassphrase(
  stored: PassphraseHash,
  candidate: string,
): Promise<boolean> {
  const key = await derive(candidate, stored.salt);
  return timingSafeEqual(key, stored.hash);
}
