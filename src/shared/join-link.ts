/**
 * Join links: `parley://join?url=<encoded origin>[&fp=<SHA-256 certificate fingerprint>]`, the
 * desktop app's own URL scheme. A link carries the same origin people type into "Server URL"
 * (parsed by parseJoinUrl, so both agree on what an address is), and, for a room that uses TLS,
 * the certificate's fingerprint so the joiner can pin it instead of facing a warning dialog.
 * Pure: the main process, the renderer and the tests all use it.
 */
import { parseJoinUrl } from './join-url';
import { fail, ok, type Result } from './result';

export const JOIN_LINK_SCHEME = 'parley';

/** What a join link asks for: the app confirms with the person before it connects. */
export interface JoinLink {
  /** Normalized origin, as parseJoinUrl returns it. */
  url: string;
  secure: boolean;
  /** SHA-256 fingerprint of the server's certificate, `AB:CD:…` (32 bytes), or null. */
  fingerprint: string | null;
}

/** Links longer than this are refused unread: a real one is well under 300 characters. */
const MAX_LINK_LENGTH = 2048;

/**
 * Builds the link for a server origin (anything parseJoinUrl accepts) and, for https, an
 * optional certificate fingerprint. Throws on an invalid origin or fingerprint: callers pass
 * addresses the app made itself.
 */
export function buildJoinLink(url: string, fingerprint: string | null = null): string {
  const target = parseJoinUrl(url);
  if (!target.ok) throw new TypeError(target.error.message);
  const params = new URLSearchParams({ url: target.url });
  if (fingerprint !== null) {
    const normalized = normalizeFingerprint(fingerprint);
    if (normalized === null) throw new TypeError(`"${fingerprint}" is not a SHA-256 fingerprint.`);
    if (!target.secure) throw new TypeError('A certificate fingerprint needs an https:// origin.');
    params.set('fp', normalized);
  }
  return `${JOIN_LINK_SCHEME}://join?${params.toString()}`;
}

/** Reads a `parley://join?…` link (from the OS, a paste or a QR code) without trusting it. */
export function parseJoinLink(input: string): Result<JoinLink> {
  const text = input.trim();
  const invalid = (why: string) => fail('invalid_url', `This is not a Parley join link: ${why}`);
  if (text.length > MAX_LINK_LENGTH) return invalid('it is far too long.');
  let link: URL;
  try {
    link = new URL(text);
  } catch {
    return invalid('it is not a link.');
  }
  if (link.protocol.toLowerCase() !== `${JOIN_LINK_SCHEME}:`) {
    return invalid(`it does not start with ${JOIN_LINK_SCHEME}://.`);
  }
  // `parley://join?…` (host "join"); some systems hand over `parley://join/?…` or `parley:join?…`.
  const action = (link.hostname || link.pathname).replace(/^\/+|\/+$/g, '').toLowerCase();
  if (action !== 'join' || (link.hostname !== '' && link.pathname.replace(/\/+/g, '') !== '')) {
    return invalid('it does not ask to join a room.');
  }
  const urlParam = link.searchParams.get('url');
  if (urlParam === null || urlParam.trim() === '') return invalid('it names no server.');
  const target = parseJoinUrl(urlParam);
  if (!target.ok) return target;

  const fpParam = link.searchParams.get('fp');
  let fingerprint: string | null = null;
  if (fpParam !== null) {
    fingerprint = normalizeFingerprint(fpParam);
    if (fingerprint === null) return invalid('its certificate fingerprint is malformed.');
    if (!target.secure) return invalid('it pins a certificate for a server without TLS.');
  }
  return ok({ url: target.url, secure: target.secure, fingerprint });
}

/**
 * The join link among command-line arguments: on Windows and Linux the OS starts the app (or
 * signals the running one) with the link as an argument.
 */
export function findJoinLinkArgument(argv: readonly string[]): string | null {
  const prefix = `${JOIN_LINK_SCHEME}:`;
  return argv.find((arg) => arg.toLowerCase().startsWith(prefix)) ?? null;
}

/**
 * A SHA-256 fingerprint in the form Node's `X509Certificate.fingerprint256` prints (`AB:CD:…`),
 * from that form or plain hex in any case; null when it is not 32 bytes of hex.
 */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.trim().replace(/:/g, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  if (text.includes(':') && !/^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(text.trim())) return null;
  return hex.toUpperCase().match(/../g)!.join(':');
}
