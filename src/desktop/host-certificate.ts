/**
 * The hosted room's self-signed certificate, kept in the app's data folder (`certificate.pem`,
 * `key.pem`, readable by this user only): made the first time someone hosts with an encrypted
 * connection, then the same one on every run, so the fingerprint joiners pinned stays valid. It
 * is replaced only when it is about to expire or cannot be read.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkTlsCredentials,
  generateSelfSignedCertificate,
  type TlsCredentials,
} from '../server/tls';
import { writeAtomically } from './atomic-file';

/** A kept certificate is replaced when it has less than this left (it lasts ten years). */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export interface HostCertificateOptions {
  /** The name in the certificate; default "Parley room". */
  commonName?: string;
  clock?: () => number;
  /** Where a kept certificate that cannot be used is reported before it is replaced. */
  onError?: (error: unknown) => void;
}

/** The certificate kept in `dir`, made there first if there is none. Throws if `dir` is unwritable. */
export async function keptHostCertificate(
  dir: string,
  options: HostCertificateOptions = {},
): Promise<TlsCredentials> {
  const now = (options.clock ?? Date.now)();
  const certFile = join(dir, 'certificate.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    const kept = {
      cert: await readFile(certFile, 'utf8'),
      key: await readFile(keyFile, 'utf8'),
    };
    const info = checkTlsCredentials(kept, { cert: certFile, key: keyFile }, now);
    if (info.validTo.getTime() - now > RENEW_BEFORE_MS) return kept;
  } catch (error) {
    // None yet is the usual first run; anything else is worth a line in the log.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onError?.(error);
  }
  const made = await generateSelfSignedCertificate({
    ...(options.commonName !== undefined && { commonName: options.commonName }),
    now,
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // The key first: a certificate on disk always has its key beside it.
  await writeAtomically(keyFile, made.key);
  await writeAtomically(certFile, made.cert);
  return made;
}
