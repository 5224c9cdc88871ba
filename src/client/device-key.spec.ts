import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  joinProof,
  joinProofText,
  lazyDeviceKey,
  memoryDeviceKey,
  toBase64Url,
  type DeviceKey,
} from './device-key';

function verifies(publicKey: string, data: Uint8Array, signature: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  return verify(null, data, key, Buffer.from(signature, 'base64url'));
}

describe('joinProofText', () => {
  it('is a version line, the host in lower case, then the challenge', () => {
    expect(joinProofText('c-1', 'Parley.LAN:4000')).toBe('parley-join/2\nparley.lan:4000\nc-1');
    expect(joinProofText('abc', '[::1]:80')).toBe('parley-join/2\n[::1]:80\nabc');
  });
});

describe('toBase64Url', () => {
  it('uses - and _ and no padding', () => {
    expect(toBase64Url(new Uint8Array([]))).toBe('');
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(toBase64Url(new Uint8Array([0xfb, 0xef, 0xbe]))).toBe('----');
    const bytes = new Uint8Array(256).map((_, index) => index);
    expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
  });
});

describe('memoryDeviceKey', () => {
  it('signs with one key for its life; another is another person', async () => {
    const key = memoryDeviceKey();
    const publicKey = await key.publicKey();
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(32);
    expect(await key.publicKey()).toBe(publicKey);
    const data = new TextEncoder().encode('hello');
    const signature = await key.sign(data);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verifies(publicKey, data, signature)).toBe(true);
    expect(await memoryDeviceKey().publicKey()).not.toBe(publicKey);
  });
});

describe('joinProof', () => {
  it('carries the public key and a signature of joinProofText that node:crypto verifies', async () => {
    const key = memoryDeviceKey();
    const proof = await joinProof(key, 'challenge-1', 'Room.local:4000');
    expect(proof.publicKey).toBe(await key.publicKey());
    const signed = new TextEncoder().encode(joinProofText('challenge-1', 'room.local:4000'));
    expect(verifies(proof.publicKey, signed, proof.signature)).toBe(true);
    // Bound to the challenge and the host: another one does not verify.
    const other = new TextEncoder().encode(joinProofText('challenge-2', 'room.local:4000'));
    expect(verifies(proof.publicKey, other, proof.signature)).toBe(false);
    const elsewhere = new TextEncoder().encode(joinProofText('challenge-1', 'evil.local:4000'));
    expect(verifies(proof.publicKey, elsewhere, proof.signature)).toBe(false);
  });
});

describe('lazyDeviceKey', () => {
  it('makes the key once for callers at the same time, and again after a failure', async () => {
    const made: DeviceKey = { publicKey: async () => 'pk', sign: async () => 'sig' };
    let calls = 0;
    let fail = true;
    const key = lazyDeviceKey(async () => {
      calls += 1;
      if (fail) throw new Error('not yet');
      return made;
    });
    await expect(key.publicKey()).rejects.toThrow('not yet');
    fail = false;
    const results = await Promise.all([
      key.publicKey(),
      key.sign(new Uint8Array()),
      key.publicKey(),
    ]);
    expect(results).toEqual(['pk', 'sig', 'pk']);
    expect(calls).toBe(2);
  });
});
