/**
 * File names and types from other people, made safe to store, show and offer as a download name:
 * no path, no control or invisible formatting characters (bidi overrides make `exe.txt` look like
 * `txt.exe`), no leading dots (hidden files), no names Windows reserves for devices, at most
 * LIMITS.fileNameMaxBytes bytes of UTF-8. Pure: the server, the client and the UI share it.
 */
import { LIMITS } from './limits';

/** C0/C1 controls, DEL, and Unicode format characters (zero-width, bidi controls, BOM). */
const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/gu;
/** Characters Windows refuses in names, and both path separators. */
const RESERVED_CHARACTERS = /[<>:"/\\|?*]/g;
/** CON, PRN, AUX, NUL, COM1–9, LPT1–9 (also with an extension: `con.txt` opens the console). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

const FALLBACK = 'file';

export function sanitizeFileName(name: string): string {
  // Only the last path segment: a name never says where a file goes.
  const base =
    name
      .split(/[/\\]/)
      .filter((segment) => segment.trim() !== '')
      .at(-1) ?? '';
  let clean = base
    .normalize('NFC')
    .replace(/\p{Surrogate}/gu, '')
    .replace(CONTROL_OR_FORMAT, '')
    .replace(RESERVED_CHARACTERS, '_')
    .trim();
  // Leading dots hide files (and `..` climbs); trailing dots and spaces vanish on Windows.
  clean = clean.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_DEVICE.test(clean)) clean = `_${clean}`;
  clean = truncateUtf8(clean, LIMITS.fileNameMaxBytes);
  return clean === '' ? FALLBACK : clean;
}

/**
 * Cuts `text` to at most `maxBytes` of UTF-8, keeping the extension when it is short and never
 * splitting a character.
 */
function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  const dot = text.lastIndexOf('.');
  const extension = dot > 0 && text.length - dot <= 16 ? text.slice(dot) : '';
  const budget = maxBytes - encoder.encode(extension).length;
  let stem = '';
  let used = 0;
  for (const character of text.slice(0, text.length - extension.length)) {
    const size = encoder.encode(character).length;
    if (used + size > budget) break;
    stem += character;
    used += size;
  }
  return `${stem.replace(/[.\s]+$/, '')}${extension}`;
}

/** A MIME type as the protocol carries it: `type/subtype`, lower case, no parameters. */
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
export const UNKNOWN_FILE_TYPE = 'application/octet-stream';

/**
 * The type label to send for a file: what the browser or OS says, without parameters, or
 * `application/octet-stream` when it says nothing usable.
 */
export function normalizeFileType(type: string): string {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return MIME_TYPE.test(bare) ? bare : UNKNOWN_FILE_TYPE;
}

export function isFileType(type: string): boolean {
  return MIME_TYPE.test(type);
}

/** Image types shown inline as previews. Never SVG: it is a document that can carry script. */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export function isPreviewable(type: string): boolean {
  return PREVIEWABLE.has(type);
}

/** A SHA-256 in hex, as file ids are. */
export const FILE_ID = /^[0-9a-f]{64}$/;

/** A size for people: "512 bytes", "4.2 KB", "25 MB" (powers of 1024, as limits are set). */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024 * 1024) return `${roundForPeople(bytes / 1024)} KB`;
  return `${roundForPeople(bytes / (1024 * 1024))} MB`;
}

function roundForPeople(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}
