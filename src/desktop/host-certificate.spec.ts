import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint, checkTlsCredentials } from '../server/tls';
import { keptHostCertificate } from './host-certificate';

const DAY_MS = 24 * 60 * 60 * 1000;

function folder(): string {
  return join(mkdtempSync(join(tmpdir(), 'parley-host-cert-')), 'tls');
}

describe('keptHostCertificate', () => {
  it('makes a certificate on first use, then returns the same one', async () => {
    const dir = folder();
    const made = await keptHostCertificate(dir, { commonName: "ann's room" });
    expect(checkTlsCredentials(made)).toMatchObject({ subject: "CN=ann's room", selfSigned: true });
    expect(readFileSync(join(dir, 'certificate.pem'), 'utf8')).toBe(made.cert);
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toBe(made.key);

    expect(await keptHostCertificate(dir)).toEqual(made);
  });

  it('replaces a certificate that is about to expire', async () => {
    const dir = folder();
    const made = await keptHostCertificate(dir);
    const { validTo } = checkTlsCredentials(made);

    const early = await keptHostCertificate(dir, { clock: () => validTo.getTime() - 31 * DAY_MS });
    expect(early).toEqual(made);
    const late = await keptHostCertificate(dir, { clock: () => validTo.getTime() - 29 * DAY_MS });
    expect(certificateFingerprint(late.cert)).not.toBe(certificateFingerprint(made.cert));
    expect(readFileSync(join(dir, 'certificate.pem'), 'utf8')).toBe(late.cert);
  });

  it('replaces a kept pair that cannot be used, and reports why', async () => {
    const dir = folder();
    const made = await keptHostCertificate(dir);
    writeFileSync(join(dir, 'key.pem'), 'not a key');
    const errors: unknown[] = [];

    const replaced = await keptHostCertificate(dir, { onError: (error) => errors.push(error) });

    expect(certificateFingerprint(replaced.cert)).not.toBe(certificateFingerprint(made.cert));
    expect(checkTlsCredentials(replaced).fingerprint).toBe(certificateFingerprint(replaced.cert));
    expect(String(errors[0])).toMatch(/key\.pem is not in PEM form/);
  });
});
