/**
 * The desktop app's device key (src/client/device-key.ts): an Ed25519 key pair kept in a file of
 * the profile (PKCS8 PEM), readable by this user only, so the app is the same person on every
 * server across restarts. Made on first use.
 *
 * A key file that exists but cannot be read or is not an Ed25519 key is refused with an error
 * naming it, never replaced: a new key would silently make the app a new person everywhere, and
 * the old nicknames would be lost to it. Only a missing file makes a new key.
 *
 * The new key is written to a temporary file, flushed, then hard-linked to its name: unlike a
 * rename, a link never replaces a file already there, so two first uses at once (two windows, two
 * processes) keep whichever key landed first and both read that one.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lazyDeviceKey, toBase64Url, type DeviceKey } from '../device-key';

/** The device key kept at `path` (made there on first use; its folder too, private to this user). */
export function fileDeviceKey(path: string): DeviceKey {
  return lazyDeviceKey(async () => {
    const privateKey = await loadOrCreate(path);
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const publicKey = jwk.x!;
    return {
      publicKey: async () => publicKey,
      sign: async (data) => toBase64Url(sign(null, data, privateKey)),
    };
  });
}

async function loadOrCreate(path: string): Promise<KeyObject> {
  const existing = await readKey(path);
  if (existing) return existing;
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeIfAbsent(path, pem.toString());
  // Ours, or the key of a first use that got there before us: the file decides.
  const kept = await readKey(path);
  if (!kept) throw new Error(`The device key at ${path} vanished right after it was written.`);
  return kept;
}

/** The key in `path`, or null if there is no such file; a refusal for anything else. */
async function readKey(path: string): Promise<KeyObject | null> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(
      `The device key at ${path} cannot be read (${(error as Error).message}). ${KEEP}`,
      {
        cause: error,
      },
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`The device key at ${path} is damaged (not a private key in PEM). ${KEEP}`, {
      cause: error,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(
      `The device key at ${path} is not an Ed25519 key (${key.asymmetricKeyType}). ${KEEP}`,
    );
  }
  return key;
}

const KEEP =
  'Parley will not replace it: a new key is a new person on every server. Restore the file, or move it away to start as a new person.';

/** Writes `contents` to `path` (mode 0600, flushed) unless a file is already there. */
async function writeIfAbsent(path: string, contents: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, contents, { flag: 'wx', mode: 0o600, flush: true });
    await link(temporary, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temporary, { force: true });
  }
}
