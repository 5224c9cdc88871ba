/**
 * What a room announces about itself on the local network: the DNS-SD service type and the TXT
 * record format (see docs/PROTOCOL.md, LAN discovery). Written by the server's advertiser
 * (src/server/discovery.ts, also behind `parley serve --advertise`) and read by the desktop app's
 * room browser (src/desktop/room-browser.ts); kept here so both ends follow one format.
 */
import { normalizeFingerprint } from './join-link';
import { LIMITS, PROTOCOL_VERSION } from './limits';

/** DNS-SD service type `_parley._tcp` (bonjour-service adds the underscores). */
export const SERVICE_TYPE = 'parley';

/** Room names are cut to this many characters in announcements. */
export const ROOM_NAME_MAX_LENGTH = 64;

/** DNS allows at most 255 bytes per TXT string (`key=value`); values stay well under it. */
const TXT_VALUE_MAX_BYTES = 240;

/** Announcement ids read from the network are cut to this many characters. */
const ANNOUNCEMENT_ID_MAX_LENGTH = 32;

/** What a room says about itself on the network (the TXT record, see docs/PROTOCOL.md). */
export interface RoomAnnouncement {
  /** TCP port of the chat server. */
  port: number;
  roomName: string;
  hostNickname: string;
  passphraseRequired?: boolean;
  /** SHA-256 fingerprint of the server's TLS certificate; none for plain http. */
  fingerprint?: string | null;
  /** Announcement id; default random. */
  id?: string;
}

/** The TXT record of a room: short keys, one `key=value` string each (at most 255 bytes). */
export function roomTxt(room: RoomAnnouncement & { id: string }): Record<string, string> {
  const fingerprint = room.fingerprint ? normalizeFingerprint(room.fingerprint) : null;
  const txt: Record<string, string> = {
    txtvers: '1',
    id: room.id,
    proto: String(PROTOCOL_VERSION),
    pw: room.passphraseRequired ? '1' : '0',
    room:
      clipBytes(cleanText(room.roomName, ROOM_NAME_MAX_LENGTH), TXT_VALUE_MAX_BYTES) ||
      'Parley room',
  };
  const host = clipBytes(
    cleanText(room.hostNickname, LIMITS.nicknameMaxLength),
    TXT_VALUE_MAX_BYTES,
  );
  // bonjour-service cannot decode an empty value: an unnamed host is simply left out.
  if (host) txt['host'] = host;
  if (fingerprint) txt['fp'] = fingerprint;
  return txt;
}

/** What a TXT record heard on the network says, cleaned; empty text where it says nothing. */
export interface HeardRoomTxt {
  id: string;
  roomName: string;
  hostNickname: string;
  passphraseRequired: boolean;
  /** 0 when the record names none (or nothing readable). */
  protocolVersion: number;
  fingerprint: string | null;
}

/** Reads a room's TXT record. It came from the network: lengths are capped, text cleaned. */
export function readRoomTxt(record: unknown): HeardRoomTxt {
  const txt = (typeof record === 'object' && record !== null ? record : {}) as Record<
    string,
    unknown
  >;
  const text = (key: string) => (typeof txt[key] === 'string' ? (txt[key] as string) : '');
  return {
    id: cleanText(text('id'), ANNOUNCEMENT_ID_MAX_LENGTH),
    roomName: cleanText(text('room'), ROOM_NAME_MAX_LENGTH),
    hostNickname: cleanText(text('host'), LIMITS.nicknameMaxLength),
    passphraseRequired: text('pw') === '1',
    protocolVersion: /^\d{1,6}$/.test(text('proto')) ? Number(text('proto')) : 0,
    fingerprint: normalizeFingerprint(text('fp')),
  };
}

/** Single-line printable text, trimmed and cut to `max` characters. */
export function cleanText(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const single = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return [...single].slice(0, max).join('').trim();
}

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
export function clipBytes(text: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > max) break;
    out += char;
    bytes += size;
  }
  return out;
}

/** UTF-8 bytes of one character (a lone surrogate is written as U+FFFD: 3 bytes). */
function utf8Length(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code < 0x10000) return 3;
  return 4;
}
