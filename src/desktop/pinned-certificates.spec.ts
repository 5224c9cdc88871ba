import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, startServer } from '../../tests/support/chat';
import { testCertificate } from '../../tests/support/tls';
import { pinningTransport } from '../client/node/certificate-pin';
import { certificateFingerprint } from '../server/tls';
import { PinnedCertificates } from './pinned-certificates';

const A = 'AB:'.repeat(31) + 'AB';
const B = '0C:'.repeat(31) + '0C';

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'parley-pins-')), 'pinned-certificates.json');
}

describe('PinnedCertificates', () => {
  it('starts empty, remembers a pin per origin, and keeps them across restarts', async () => {
    const file = tempFile();
    const pins = await PinnedCertificates.open(file, { clock: () => 1_000 });
    expect(pins.get('https://10.0.0.2:4321')).toBeNull();

    await pins.set('https://10.0.0.2:4321', A);
    // Any form of the fingerprint is stored in the canonical one.
    await pins.set('https://192.168.1.5:4321', B.replace(/:/g, '').toLowerCase());
    expect(pins.get('https://10.0.0.2:4321')).toBe(A);
    expect(pins.get('https://192.168.1.5:4321')).toBe(B);
    expect(pins.get('https://10.0.0.2:4000')).toBeNull();

    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      pins: {
        'https://10.0.0.2:4321': { fingerprint: A, pinnedAt: 1_000 },
        'https://192.168.1.5:4321': { fingerprint: B, pinnedAt: 1_000 },
      },
    });
    const reopened = await PinnedCertificates.open(file);
    expect(reopened.get('https://10.0.0.2:4321')).toBe(A);
    expect(reopened.get('https://192.168.1.5:4321')).toBe(B);
    expect(readdirSync(join(file, '..'))).toEqual(['pinned-certificates.json']);
  });

  it('refuses what is not an https origin or a fingerprint, and keeps nothing of it', async () => {
    const file = tempFile();
    const pins = await PinnedCertificates.open(file);
    await expect(pins.set('http://10.0.0.2:4321', A)).rejects.toThrow(TypeError);
    await expect(pins.set('https://10.0.0.2:4321/path', A)).rejects.toThrow(TypeError);
    await expect(pins.set('https://10.0.0.2:4321', 'AB:CD')).rejects.toThrow(TypeError);
    expect(pins.get('https://10.0.0.2:4321')).toBeNull();
    expect(readdirSync(join(file, '..'))).toEqual([]);
  });

  it('sets an unreadable file aside and starts with no pins', async () => {
    const file = tempFile();
    writeFileSync(file, '{"version":1,"pins":{"https://x:1":{"fingerprint":"nope","pinnedAt":1}}}');
    const errors: unknown[] = [];
    const pins = await PinnedCertificates.open(file, { onError: (error) => errors.push(error) });
    expect(pins.get('https://x:1')).toBeNull();
    expect(errors).toHaveLength(1);
    expect(readdirSync(join(file, '..'))).toEqual(['pinned-certificates.json.unreadable']);
  });

  it('keeps a pin for this run when the file cannot be written, and says so', async () => {
    // A file where its folder should be: every write fails (even for root).
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'parley-pins-')), 'data');
    writeFileSync(notAFolder, '');
    const pins = await PinnedCertificates.open(join(notAFolder, 'pins.json'), {
      onError: () => undefined,
    });
    await expect(pins.set('https://10.0.0.2:4321', A)).rejects.toThrow();
    expect(pins.get('https://10.0.0.2:4321')).toBe(A);
  });

  it("is what ChatClient's pinning remembers between runs of the app", async () => {
    const file = tempFile();
    const tls = await testCertificate();
    const server = await startServer({ tls });
    const origin = `https://127.0.0.1:${server.port}`;

    const firstRun = client({
      secureTransport: pinningTransport(await PinnedCertificates.open(file)),
    });
    expect((await firstRun.connect(origin, 'ann')).ok).toBe(true);

    const nextRun = await PinnedCertificates.open(file);
    expect(nextRun.get(origin)).toBe(certificateFingerprint(tls.cert));
  });
});
