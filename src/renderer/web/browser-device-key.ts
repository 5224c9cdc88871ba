/**
 * The web client's device key (src/client/device-key.ts), kept in this browser's IndexedDB for the
 * page's origin, so a browser is the same person on every visit. Made on first use.
 *
 * Where WebCrypto has Ed25519 (a secure context — https or localhost — in Chromium 137+ and other
 * current browsers) the key pair is a non-extractable CryptoKey pair, stored as it is (CryptoKeys
 * survive IndexedDB's structured clone): scripts of the page can sign with it but never read it.
 *
 * A page served over plain http from a LAN address is not a secure context: `crypto.subtle` does
 * not exist there. Then the key is @noble/ed25519's (loaded only then, so the first screen does not
 * carry it), and its 32-byte secret is stored in IndexedDB as bytes: extractable by necessity, so
 * anything running in this origin could copy it. With @noble/hashes' SHA-512, because noble's own
 * would ask crypto.subtle.
 *
 * Two tabs making the first key at once keep one: the key is added in a single read-or-add
 * transaction, and IndexedDB runs those one at a time. If IndexedDB is unavailable (private
 * browsing in some browsers, storage disabled) or its record is unusable, the key lives in memory
 * for this page (a new person on each load), with a warning in the console: joining still works.
 */
import {
  lazyDeviceKey,
  toBase64Url,
  webCryptoDeviceKey,
  type DeviceKey,
} from '../../client/device-key';

const DATABASE = 'parley-device-key';
const STORE = 'keys';
const RECORD = 'device';

/** What the database keeps: a WebCrypto pair, or a secret for @noble/ed25519. */
type StoredKey = { kind: 'webcrypto'; pair: CryptoKeyPair } | { kind: 'noble'; secret: Uint8Array };

/** This browser's device key (the same on every load of this origin when IndexedDB works). */
export function browserDeviceKey(): DeviceKey {
  return lazyDeviceKey(loadDeviceKey);
}

async function loadDeviceKey(): Promise<DeviceKey> {
  let stored: unknown;
  try {
    stored = await keptKey();
  } catch (error) {
    console.warn(
      '[parley] The device key cannot be kept (IndexedDB); using one for this page only:',
      error,
    );
    return deviceKeyOf(await newKey());
  }
  if (!isStoredKey(stored)) {
    // Not replaced: a browser that can read it again (or a person who fixes it) keeps the identity.
    console.warn('[parley] The device key in IndexedDB is unusable; using one for this page only.');
    return deviceKeyOf(await newKey());
  }
  return deviceKeyOf(stored);
}

/** The stored key; a new one added first if there is none (once, even with other tabs racing). */
async function keptKey(): Promise<unknown> {
  const database = await openDatabase();
  try {
    const found = await inTransaction(database, 'readonly', (store) => store.get(RECORD));
    if (found !== undefined) return found;
    // Made outside the transaction (it would commit while the key is being made); whichever tab
    // adds first wins, and the others read its key in the same transaction.
    const candidate = await newKey();
    return await inTransaction(database, 'readwrite', (store, done) => {
      const read = store.get(RECORD);
      read.onsuccess = () => {
        if (read.result !== undefined) return done(read.result);
        store.add(candidate, RECORD);
        done(candidate);
      };
    });
  } finally {
    database.close();
  }
}

function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened.'));
  });
}

/**
 * Runs `work` in one transaction on the store and resolves, once the transaction has committed,
 * with what `work` gave to `done` (or a request's result).
 */
function inTransaction(
  database: IDBDatabase,
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore, done: (value: unknown) => void) => IDBRequest | void,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(STORE, mode);
    let value: unknown;
    const request = work(transaction.objectStore(STORE), (given) => (value = given));
    if (request) request.onsuccess = () => (value = request.result);
    transaction.oncomplete = () => resolve(value);
    const failed = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted.'));
    transaction.onerror = failed;
    transaction.onabort = failed;
  });
}

/** A new key: WebCrypto's non-extractable pair where it can, else a secret for noble. */
async function newKey(): Promise<StoredKey> {
  if (globalThis.crypto?.subtle) {
    try {
      const pair = await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify']);
      return { kind: 'webcrypto', pair: pair as CryptoKeyPair };
    } catch {
      // A browser without Ed25519 in WebCrypto (NotSupportedError): noble's below.
    }
  }
  const ed = await noble();
  return { kind: 'noble', secret: ed.utils.randomSecretKey() };
}

function isStoredKey(value: unknown): value is StoredKey {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<'kind' | 'pair' | 'secret', unknown>>;
  if (record.kind === 'noble') {
    return record.secret instanceof Uint8Array && record.secret.length === 32;
  }
  if (record.kind !== 'webcrypto' || !globalThis.crypto?.subtle) return false;
  const pair = record.pair as Partial<CryptoKeyPair> | undefined;
  return pair?.privateKey instanceof CryptoKey && pair.privateKey.algorithm.name === 'Ed25519';
}

async function deviceKeyOf(stored: StoredKey): Promise<DeviceKey> {
  if (stored.kind === 'webcrypto') return webCryptoDeviceKey(stored.pair);
  const ed = await noble();
  const publicKey = toBase64Url(ed.getPublicKey(stored.secret));
  return {
    publicKey: async () => publicKey,
    sign: async (data) => toBase64Url(ed.sign(data, stored.secret)),
  };
}

/** @noble/ed25519 with synchronous SHA-512 (noble's default asks crypto.subtle), loaded on demand. */
async function noble() {
  const [ed, { sha512 }] = await Promise.all([
    import('@noble/ed25519'),
    import('@noble/hashes/sha2.js'),
  ]);
  // A copy: @noble/hashes 1.x types its digests loosely (any buffer); the bytes are the same.
  ed.hashes.sha512 = (message) => new Uint8Array(sha512(message));
  return ed;
}
