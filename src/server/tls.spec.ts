import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCertificate, writeTlsFiles } from '../../tests/support/tls';
import { normalizeFingerprint } from '../shared/join-link';
import {
  certificateFingerprint,
  checkTlsCredentials,
  generateSelfSignedCertificate,
  loadTlsFiles,
  TlsError,
} from './tls';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** SHA-256 of the certificate's DER bytes, computed independently of Node's fingerprint256. */
function sha256Fingerprint(pem: string): string {
  const der = new X509Certificate(pem).raw;
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'parley-tls-spec-'));
}

async function loadError(certFile: string, keyFile: string): Promise<TlsError> {
  const error = await loadTlsFiles(certFile, keyFile).then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TlsError);
  return error as TlsError;
}

describe('generateSelfSignedCertificate', () => {
  it('makes a self-signed ECDSA certificate and the key that belongs to it', async () => {
    const now = Date.UTC(2030, 0, 1);
    const made = await generateSelfSignedCertificate({ commonName: 'Lab room', now });

    const certificate = new X509Certificate(made.cert);
    const key = createPrivateKey(made.key);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.subject).toBe('CN=Lab room');
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.ca).toBe(false);
    expect(certificate.subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    // Valid from a day before `now` (clock skew between machines) for ten years.
    expect(new Date(certificate.validFrom).getTime()).toBe(now - 24 * 60 * 60 * 1000);
    expect(new Date(certificate.validTo).getTime()).toBe(now + 10 * YEAR_MS);
    expect(made.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('makes a different certificate every time', async () => {
    const [first, second] = await Promise.all([
      generateSelfSignedCertificate(),
      generateSelfSignedCertificate(),
    ]);
    expect(certificateFingerprint(first.cert)).not.toBe(certificateFingerprint(second.cert));
  });
});

describe('certificateFingerprint', () => {
  it('is the SHA-256 of the certificate, AB:CD:… as join links and the TXT record carry it', async () => {
    const { cert } = await testCertificate();
    const fingerprint = certificateFingerprint(cert);
    expect(fingerprint).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    expect(fingerprint).toBe(sha256Fingerprint(cert));
    expect(normalizeFingerprint(fingerprint)).toBe(fingerprint);
  });
});

describe('checkTlsCredentials', () => {
  it('describes a usable pair', async () => {
    const credentials = await testCertificate();
    expect(checkTlsCredentials(credentials)).toMatchObject({
      fingerprint: sha256Fingerprint(credentials.cert),
      subject: 'CN=Parley test 0',
      selfSigned: true,
    });
  });

  it('refuses a key that belongs to another certificate', async () => {
    const [one, other] = await Promise.all([testCertificate(0), testCertificate(1)]);
    expect(() => checkTlsCredentials({ cert: one.cert, key: other.key })).toThrow(
      new TlsError('The TLS key does not belong to the certificate.'),
    );
  });

  it('refuses an expired certificate, saying when it expired', async () => {
    const old = await generateSelfSignedCertificate({ now: Date.now() - 11 * YEAR_MS });
    expect(() => checkTlsCredentials(old)).toThrow(/^The TLS certificate expired on \d{4}-/);
  });
});

describe('loadTlsFiles', () => {
  it('reads a certificate and its key from PEM files', async () => {
    const credentials = await testCertificate();
    const files = writeTlsFiles(credentials);
    const loaded = await loadTlsFiles(files.cert, files.key);
    expect(loaded.credentials).toEqual(credentials);
    expect(loaded.info.fingerprint).toBe(sha256Fingerprint(credentials.cert));
  });

  it('accepts a certificate followed by its chain, and fingerprints the first one', async () => {
    const [leaf, other] = await Promise.all([testCertificate(0), testCertificate(1)]);
    const files = writeTlsFiles({ cert: `${leaf.cert}${other.cert}`, key: leaf.key });
    const loaded = await loadTlsFiles(files.cert, files.key);
    expect(loaded.info.fingerprint).toBe(sha256Fingerprint(leaf.cert));
  });

  it('says which file is missing', async () => {
    const files = writeTlsFiles(await testCertificate());
    const dir = folder();
    expect((await loadError(join(dir, 'nope.pem'), files.key)).message).toBe(
      `The TLS certificate file ${join(dir, 'nope.pem')} does not exist.`,
    );
    expect((await loadError(files.cert, join(dir, 'gone.pem'))).message).toBe(
      `The TLS key file ${join(dir, 'gone.pem')} does not exist.`,
    );
  });

  it('says when a path is a folder', async () => {
    const files = writeTlsFiles(await testCertificate());
    const dir = join(folder(), 'certs');
    mkdirSync(dir);
    expect((await loadError(dir, files.key)).message).toBe(
      `The TLS certificate file ${dir} is a folder.`,
    );
  });

  it.skipIf(process.getuid?.() === 0)(
    'says when a file cannot be read (skipped as root, who can read anything)',
    async () => {
      const files = writeTlsFiles(await testCertificate());
      const locked = join(folder(), 'locked.pem');
      writeFileSync(locked, 'secret', { mode: 0o000 });
      expect((await loadError(files.cert, locked)).message).toBe(
        `Cannot read the TLS key file ${locked}: permission denied.`,
      );
    },
  );

  it('refuses what is not PEM', async () => {
    const credentials = await testCertificate();
    const files = writeTlsFiles(credentials);
    const dir = folder();
    const der = join(dir, 'cert.der');
    writeFileSync(der, new X509Certificate(credentials.cert).raw);
    expect((await loadError(der, files.key)).message).toBe(
      `The TLS certificate ${der} is not in PEM form (it has no "-----BEGIN CERTIFICATE-----" line).`,
    );
    const text = join(dir, 'key.txt');
    writeFileSync(text, 'hunter2\n');
    expect((await loadError(files.cert, text)).message).toBe(
      `The TLS key ${text} is not in PEM form (it has no "-----BEGIN PRIVATE KEY-----" line).`,
    );
    // The key where the certificate belongs: both checks name the file given.
    expect((await loadError(files.key, files.key)).message).toMatch(
      /^The TLS certificate .+ is not in PEM form/,
    );
  });

  it('refuses PEM that does not hold a certificate or a key', async () => {
    const files = writeTlsFiles(await testCertificate());
    const dir = folder();
    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect((await loadError(broken, files.key)).message).toMatch(
      new RegExp(`^The TLS certificate ${broken} cannot be read as a certificate \\(.+\\)\\.$`),
    );
    const brokenKey = join(dir, 'broken-key.pem');
    writeFileSync(brokenKey, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    expect((await loadError(files.cert, brokenKey)).message).toMatch(
      new RegExp(`^The TLS key ${brokenKey} cannot be read as a private key \\(.+\\)\\.$`),
    );
  });

  it('refuses a key encrypted with a passphrase, saying how to decrypt it', async () => {
    const credentials = await testCertificate();
    const files = writeTlsFiles(credentials);
    const encrypted = join(folder(), 'encrypted.pem');
    writeFileSync(
      encrypted,
      createPrivateKey(credentials.key).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'secret',
      }),
    );
    expect((await loadError(files.cert, encrypted)).message).toBe(
      `The TLS key ${encrypted} is encrypted with a passphrase; Parley needs it unencrypted ` +
        '(for example: openssl pkey -in key.pem -out plain-key.pem).',
    );
  });

  it('refuses a key that does not belong to the certificate, naming both files', async () => {
    const [one, other] = await Promise.all([testCertificate(0), testCertificate(1)]);
    const certFiles = writeTlsFiles(one);
    const keyFiles = writeTlsFiles(other);
    expect((await loadError(certFiles.cert, keyFiles.key)).message).toBe(
      `The TLS key ${keyFiles.key} does not belong to the certificate ${certFiles.cert}.`,
    );
  });
});
