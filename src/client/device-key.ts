/**
 * A device key: the Ed25519 key pair that makes this app (or this browser) a person on a server.
 * It is made on first use and kept (the browser: a non-extractable WebCrypto key in IndexedDB;
 * the desktop: a file only the user can read); joining signs the server's challenge with it
 * (joinProof), and the server binds the nickname to the first key that claims it.
 *
 * Here: the interface, what is signed, and a key kept in memory only (tests, throwaway clients:
 * every ChatClient without a key of its own is a new person).
 */

import { joinProofText, type JoinProof } from '../shared/join-proof-text';

/**
 * A WebCrypto key pair. Node's type (the browser's is the same shape): this module is built for
 * both, and the Node build has no DOM types.
 */
type WebCryptoKey = Parameters<typeof crypto.subtle.exportKey>[1];
interface KeyPair {
  publicKey: WebCryptoKey;
  privateKey: WebCryptoKey;
}

export { joinProofText, type JoinProof };

export interface DeviceKey {
  /** The public key: raw Ed25519 (32 bytes), base64url. */
  publicKey(): Promise<string>;
  /** Signs `data`: an Ed25519 signature (64 bytes), base64url. */
  sign(data: Uint8Array<ArrayBuffer>): Promise<string>;
}

/** Signs the join challenge of the server at `host` (URL.host: name or address, and port). */
export async function joinProof(
  key: DeviceKey,
  challenge: string,
  host: string,
): Promise<JoinProof> {
  const data = new TextEncoder().encode(joinProofText(challenge, host));
  return { publicKey: await key.publicKey(), signature: await key.sign(data), host };
}

/** base64url without padding, as keys and signatures travel. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * A key pair made with WebCrypto (the browser's, or Node's `globalThis.crypto`) and kept by the
 * caller. `pair` may be non-extractable: only its public half is exported.
 */
export function webCryptoDeviceKey(pair: KeyPair): DeviceKey {
  let exported: Promise<string> | null = null;
  return {
    publicKey: () => {
      exported ??= crypto.subtle
        .exportKey('raw', pair.publicKey)
        .then((raw) => toBase64Url(new Uint8Array(raw)));
      return exported;
    },
    sign: async (data) =>
      toBase64Url(new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, data))),
  };
}

/** A new key that lives as long as this object: a new person on every server. */
export function memoryDeviceKey(): DeviceKey {
  return lazyDeviceKey(async () =>
    webCryptoDeviceKey(
      (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as KeyPair,
    ),
  );
}

/**
 * A key made (or loaded) by `make` on first use, once for all callers: keys are kept in files or
 * databases, and a client must not wait for them before it is asked to join. A failure is not
 * kept: the next use tries again.
 */
export function lazyDeviceKey(make: () => Promise<DeviceKey>): DeviceKey {
  let key: Promise<DeviceKey> | null = null;
  const made = () => {
    key ??= make().catch((error: unknown) => {
      key = null;
      throw error;
    });
    return key;
  };
  return {
    publicKey: async () => (await made()).publicKey(),
    sign: async (data) => (await made()).sign(data),
  };
}
