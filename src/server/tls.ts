/**
 * TLS for the chat server: reads a certificate and key from PEM files (`parley serve --tls-cert
 * --tls-key`) with errors that say what is wrong, computes the SHA-256 certificate fingerprint in
 * the `AB:CD:…` form that join links and the LAN announcement carry (see src/shared/join-link.ts),
 * and makes the self-signed certificate a hosted room uses (src/desktop/host-certificate.ts keeps
 * it, so that its fingerprint stays the same from one run to the next).
 *
 * Node reads and checks certificates (X509Certificate) but cannot make one; @peculiar/x509 builds
 * it over Node's own WebCrypto (no native code, no install script, the same in Electron's main
 * process). It is loaded only when a certificate is made.
 */
import { createPrivateKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { normalizeFingerprint } from '../shared/join-link';

/** A certificate (optionally followed by its chain) and its private key, as PEM text. */
export interface TlsCredentials {
  cert: string;
  key: string;
}

/** What the server tells people about its certificate. */
export interface CertificateInfo {
  /** SHA-256 of the certificate (DER), `AB:CD:…`: 32 upper-case hex bytes joined by colons. */
  fingerprint: string;
  subject: string;
  validFrom: Date;
  validTo: Date;
  /** Issued by itself: nothing but the fingerprint can vouch for it. */
  selfSigned: boolean;
}

/** A certificate or key that cannot be used; the message says which file and why. */
export class TlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsError';
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
const PEM_ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

/** Generated certificates last ten years: the fingerprint, not the date, is what clients trust. */
const GENERATED_VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;
/** Generated certificates start a day early, so a joiner whose clock is behind accepts them. */
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** SHA-256 fingerprint (`AB:CD:…`) of the first certificate in `pem`. */
export function certificateFingerprint(pem: string): string {
  return normalizeFingerprint(new X509Certificate(pem).fingerprint256)!;
}

/**
 * Checks that `credentials` can serve TLS: both are PEM, the certificate parses and has not
 * expired, and the key belongs to it. Throws TlsError saying what is wrong; `files` are the
 * files they came from, named in the messages.
 */
export function checkTlsCredentials(
  credentials: TlsCredentials,
  files: { cert: string; key: string } | null = null,
  now: number = Date.now(),
): CertificateInfo {
  const theCertificate = `The TLS certificate${files ? ` ${files.cert}` : ''}`;
  const theKey = `The TLS key${files ? ` ${files.key}` : ''}`;
  if (!PEM_CERTIFICATE.test(credentials.cert)) {
    throw new TlsError(
      `${theCertificate} is not in PEM form (it has no "-----BEGIN CERTIFICATE-----" line).`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(credentials.cert);
  } catch (error) {
    throw new TlsError(`${theCertificate} cannot be read as a certificate (${messageOf(error)}).`);
  }
  if (PEM_ENCRYPTED_KEY.test(credentials.key)) {
    throw new TlsError(
      `${theKey} is encrypted with a passphrase; Parley needs it unencrypted ` +
        '(for example: openssl pkey -in key.pem -out plain-key.pem).',
    );
  }
  if (!PEM_PRIVATE_KEY.test(credentials.key)) {
    throw new TlsError(
      `${theKey} is not in PEM form (it has no "-----BEGIN PRIVATE KEY-----" line).`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(credentials.key);
  } catch (error) {
    throw new TlsError(`${theKey} cannot be read as a private key (${messageOf(error)}).`);
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new TlsError(
      `${theKey} does not belong to the certificate${files ? ` ${files.cert}` : ''}.`,
    );
  }
  const info = describeCertificate(certificate);
  if (info.validTo.getTime() <= now) {
    throw new TlsError(`${theCertificate} expired on ${info.validTo.toISOString()}.`);
  }
  return info;
}

/** Reads and checks a certificate file and a key file (`parley serve --tls-cert --tls-key`). */
export async function loadTlsFiles(
  certFile: string,
  keyFile: string,
): Promise<{ credentials: TlsCredentials; info: CertificateInfo }> {
  const [cert, key] = await Promise.all([
    readPem(certFile, 'TLS certificate'),
    readPem(keyFile, 'TLS key'),
  ]);
  const credentials = { cert, key };
  const info = checkTlsCredentials(credentials, { cert: certFile, key: keyFile });
  return { credentials, info };
}

/**
 * Makes a self-signed certificate and its key (ECDSA P-256, signed with SHA-256). It names
 * localhost, since the LAN addresses people join at change; Parley's clients trust it by its
 * fingerprint, not by name, and browsers ask their user once.
 */
export async function generateSelfSignedCertificate(
  options: { commonName?: string; now?: number } = {},
): Promise<TlsCredentials> {
  // Loaded here: only hosting with TLS needs it. tsyringe (inside @peculiar/x509) needs the
  // Reflect metadata API in place before it loads.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const now = options.now ?? Date.now();
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [options.commonName ?? 'Parley room'] }],
      notBefore: new Date(now - CLOCK_SKEW_MS),
      notAfter: new Date(now + GENERATED_VALIDITY_MS),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
      ],
    },
    // Node's WebCrypto is the standard one; the library types it with the DOM's Crypto.
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return {
    // Ends with a newline, like every PEM file, so that a chain can follow it.
    cert: `${certificate.toString('pem')}\n`,
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

function describeCertificate(certificate: X509Certificate): CertificateInfo {
  return {
    fingerprint: normalizeFingerprint(certificate.fingerprint256)!,
    subject: certificate.subject,
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
    // Not checkIssued: OpenSSL's check also wants the issuer to be allowed to sign certificates.
    selfSigned:
      certificate.issuer === certificate.subject && certificate.verify(certificate.publicKey),
  };
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsError(`The ${what} file ${file} does not exist.`);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new TlsError(`Cannot read the ${what} file ${file}: permission denied.`);
    }
    if (code === 'EISDIR') throw new TlsError(`The ${what} file ${file} is a folder.`);
    throw new TlsError(`Cannot read the ${what} file ${file}: ${messageOf(error)}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
