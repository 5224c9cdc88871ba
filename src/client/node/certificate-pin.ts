/**
 * Certificate pinning for ChatClient in Node (the desktop app's main process): the
 * `secureTransport` hook for https servers. Before connecting it fetches the server's certificate
 * and compares its SHA-256 fingerprint with the one pinned for that origin — from a join link, or
 * remembered from the first visit (trust on first use). A different certificate is refused with
 * `certificate_changed`, naming both fingerprints. Otherwise the connection trusts exactly that
 * certificate and checks its fingerprint again during the handshake, so a certificate swapped
 * between the check and the connection, or before a later reconnection, is refused too.
 *
 * The host name is not checked for a pinned certificate: rooms are reached at LAN addresses that
 * a self-signed certificate cannot name. Certificates this computer already trusts (issued by a
 * public authority for the name in the URL) are checked the usual way and not pinned, so their
 * routine renewals raise no alarm. Browsers make their own checks; this file is Node-only.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { normalizeFingerprint } from '../../shared/join-link';
import { fail, ok, type Result } from '../../shared/result';
import type { SecureTransport } from '../chat-client';

/** Where pins are kept: one fingerprint per origin (the desktop app: a file, src/desktop/pinned-certificates.ts). */
export interface CertificatePins {
  /** The fingerprint pinned for `origin` (`https://host:port`), or null. */
  get(origin: string): string | null;
  /** Pins `fingerprint` for `origin`. */
  set(origin: string, fingerprint: string): Promise<void>;
}

export interface CertificatePinningOptions {
  /** How long to wait for the server's certificate; default 8000 ms. */
  timeoutMs?: number;
  /** Where a pin that could not be saved is reported; default console.error. */
  onError?: (error: unknown) => void;
}

/** What a server presented in its TLS handshake. */
export interface PresentedCertificate {
  pem: string;
  /** `AB:CD:…` */
  fingerprint: string;
  /** Valid for this host name by this computer's own trust store. */
  trusted: boolean;
  selfSigned: boolean;
}

type SecureTransportHook = (
  url: string,
  fingerprint: string | null,
) => Promise<Result<{ transport: SecureTransport }>>;

/** The ChatClient `secureTransport` hook that pins certificates in `pins` (or once it opens). */
export function pinningTransport(
  pinStore: CertificatePins | Promise<CertificatePins>,
  options: CertificatePinningOptions = {},
): SecureTransportHook {
  const timeoutMs = options.timeoutMs ?? 8_000;
  const onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));

  return async (url, linkFingerprint) => {
    const origin = new URL(url).origin;
    const fromLink = linkFingerprint === null ? null : normalizeFingerprint(linkFingerprint);
    if (linkFingerprint !== null && fromLink === null) {
      return fail('invalid_url', `"${linkFingerprint}" is not a SHA-256 certificate fingerprint.`);
    }
    const pins = await pinStore;
    const presented = await fetchCertificate(origin, timeoutMs);
    if (!presented.ok) return presented;
    const { certificate } = presented;

    if (fromLink !== null && certificate.fingerprint !== fromLink) {
      return fail(
        'certificate_changed',
        `The certificate of ${origin} is not the one in the join link. The link says ` +
          `${fromLink}; the server presents ${certificate.fingerprint}. Someone may be ` +
          'intercepting the connection, so Parley did not connect. Ask the host for their ' +
          'fingerprint or a new link.',
      );
    }
    const pinned = pins.get(origin);
    // A certificate this computer trusts for this name needs no pin (see the header).
    if (fromLink === null && certificate.trusted) return ok({ transport: {} });
    if (fromLink === null && pinned !== null && certificate.fingerprint !== pinned) {
      return fail(
        'certificate_changed',
        `The certificate of ${origin} has changed since you first joined. It was ${pinned}; ` +
          `it is now ${certificate.fingerprint}. Someone may be intercepting the connection, so ` +
          'Parley did not connect. If the host says they changed it, ask them for a new join ' +
          'link: it carries the new fingerprint.',
      );
    }
    if (!certificate.selfSigned && !certificate.trusted) {
      return fail(
        'unreachable',
        `The certificate of ${origin} is neither trusted by this computer nor self-signed, so ` +
          'Parley cannot check it.',
      );
    }
    if (pinned !== certificate.fingerprint) {
      // First use, or a join link that vouches for a new certificate: remember it. Not being
      // able to save it only means being asked to trust it again next time.
      await pins.set(origin, certificate.fingerprint).catch(onError);
    }
    return ok({ transport: pinnedTransport(origin, certificate) });
  };
}

/** Trusts exactly `certificate`: its fingerprint is checked again in every handshake. */
function pinnedTransport(origin: string, certificate: PresentedCertificate): SecureTransport {
  return {
    // A self-signed certificate is its own authority; any other passed the system's check.
    ...(certificate.selfSigned && { ca: certificate.pem }),
    checkServerIdentity: (_hostname, presented) =>
      normalizeFingerprint(presented.fingerprint256) === certificate.fingerprint
        ? undefined
        : new Error(
            `The certificate of ${origin} changed while connecting: expected ` +
              `${certificate.fingerprint}, got ${presented.fingerprint256}.`,
          ),
  };
}

/**
 * Opens a TLS connection to `origin` without judging the certificate, reads it, and closes.
 * Failures come back as `unreachable`, in words.
 */
export function fetchCertificate(
  origin: string,
  timeoutMs = 8_000,
): Promise<Result<{ certificate: PresentedCertificate }>> {
  const { hostname, port } = new URL(origin);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(port || 443),
      // SNI takes host names only.
      ...(isIP(host) === 0 && { servername: host }),
      // Only to read the certificate: nothing is sent, and the pin decides.
      rejectUnauthorized: false,
    });
    const finish = (result: Result<{ certificate: PresentedCertificate }>) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(fail('unreachable', `No answer from ${origin} in time.`)),
    );
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate(true)?.raw;
      if (!raw) {
        finish(fail('unreachable', `${origin} presented no certificate.`));
        return;
      }
      const certificate = new X509Certificate(raw);
      finish(
        ok({
          certificate: {
            pem: certificate.toString(),
            fingerprint: normalizeFingerprint(certificate.fingerprint256)!,
            trusted: socket.authorized,
            selfSigned:
              certificate.issuer === certificate.subject &&
              certificate.verify(certificate.publicKey),
          },
        }),
      );
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish(fail('unreachable', describeFailure(origin, error))),
    );
  });
}

function describeFailure(origin: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `Nothing is answering at ${origin}: is the server running, and is the port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name in ${origin} could not be found.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${origin} cannot be reached from this network.`;
    case 'ECONNRESET':
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `${origin} does not answer over TLS. If the host does not use an encrypted connection, join with http:// instead.`;
    default:
      return `Could not reach ${origin} (${error.message}).`;
  }
}
