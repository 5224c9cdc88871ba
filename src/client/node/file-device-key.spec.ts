import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileDeviceKey } from './file-device-key';

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'parley-device-key-'));
}

function verifies(publicKey: string, data: Uint8Array, signature: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  return verify(null, data, key, Buffer.from(signature, 'base64url'));
}

describe('fileDeviceKey', () => {
  it('makes the key once, in a private file, and a new instance reads the same key', async () => {
    // A folder that does not exist yet: made private to this user.
    const folder = join(tempFolder(), 'profile');
    const path = join(folder, 'device-key.pem');
    const key = fileDeviceKey(path);

    const publicKey = await key.publicKey();
    expect(Buffer.from(publicKey, 'base64url')).toHaveLength(32);
    expect(await key.publicKey()).toBe(publicKey);
    const pem = readFileSync(path, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    if (process.platform !== 'win32') {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(folder).mode & 0o777).toBe(0o700);
    }

    // The app restarted: the same person.
    const again = fileDeviceKey(path);
    expect(await again.publicKey()).toBe(publicKey);
    expect(readFileSync(path, 'utf8')).toBe(pem);
    expect(readdirSync(folder)).toEqual(['device-key.pem']);
  });

  it('signs so that node:crypto verifies the signature with the public key', async () => {
    const path = join(tempFolder(), 'device-key.pem');
    const data = new TextEncoder().encode('parley-join/2\nlocalhost:4000\nchallenge');
    const key = fileDeviceKey(path);
    const signature = await key.sign(data);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(64);
    expect(verifies(await key.publicKey(), data, signature)).toBe(true);
    // A new instance on the same file signs as the same key.
    const later = await fileDeviceKey(path).sign(data);
    expect(verifies(await key.publicKey(), data, later)).toBe(true);
    expect(verifies(await key.publicKey(), new TextEncoder().encode('other'), signature)).toBe(
      false,
    );
  });

  it('keeps one key when two first uses race', async () => {
    const folder = tempFolder();
    const path = join(folder, 'device-key.pem');
    const keys = Array.from({ length: 8 }, () => fileDeviceKey(path));
    const publicKeys = await Promise.all(keys.map((key) => key.publicKey()));
    expect(new Set(publicKeys).size).toBe(1);
    // And it is the one in the file; no temporary file is left behind.
    expect(await fileDeviceKey(path).publicKey()).toBe(publicKeys[0]);
    expect(readdirSync(folder)).toEqual(['device-key.pem']);
  });

  it('refuses a damaged file, naming it, and leaves it as it was', async () => {
    const path = join(tempFolder(), 'device-key.pem');
    writeFileSync(path, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const key = fileDeviceKey(path);
    await expect(key.publicKey()).rejects.toThrow(`The device key at ${path} is damaged`);
    await expect(key.sign(new Uint8Array([1]))).rejects.toThrow(path);
    expect(readFileSync(path, 'utf8')).toContain('not a key');
  });

  it('refuses a key of another kind, and a path it cannot read', async () => {
    const folder = tempFolder();
    const rsa = join(folder, 'rsa.pem');
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    writeFileSync(rsa, pem);
    await expect(fileDeviceKey(rsa).publicKey()).rejects.toThrow(
      `The device key at ${rsa} is not an Ed25519 key (rsa)`,
    );

    // A folder where the file should be: unreadable as a file (EISDIR), and not replaced.
    const unreadable = join(folder, 'device-key.pem');
    mkdirSync(unreadable);
    await expect(fileDeviceKey(unreadable).publicKey()).rejects.toThrow(
      `The device key at ${unreadable} cannot be read`,
    );
    expect(statSync(unreadable).isDirectory()).toBe(true);
  });

  it('tries again after a refusal: a file put right is used', async () => {
    const path = join(tempFolder(), 'device-key.pem');
    writeFileSync(path, 'garbage');
    const key = fileDeviceKey(path);
    await expect(key.publicKey()).rejects.toThrow(path);

    const good = generateKeyPairSync('ed25519');
    writeFileSync(path, good.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const expected = good.publicKey.export({ format: 'jwk' }).x;
    expect(await key.publicKey()).toBe(expected);
  });
});
