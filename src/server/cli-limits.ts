/**
 * The `parley serve` options for quotas and caps (storage, upload volume, connections, timeouts):
 * their parseArgs specs, their usage text, and their parsing into createChatServer options, with a
 * clear error for each bad value. Kept apart from cli.ts, which has the rest of the command line.
 */
import { LIMITS } from '../shared/limits';
import type { ChatServerOptions } from './chat-server';

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const LIMIT_OPTIONS = {
  'max-storage': { type: 'string' },
  'min-free-disk': { type: 'string' },
  'upload-quota': { type: 'string' },
  'max-connections': { type: 'string' },
  'connections-per-address': { type: 'string' },
  'max-uploads': { type: 'string' },
  'uploads-per-address': { type: 'string' },
  'join-timeout': { type: 'string' },
  'upload-timeout': { type: 'string' },
  'limit-loopback': { type: 'boolean' },
} as const;

export const LIMITS_USAGE = `Quotas and caps:
  --max-storage GB
                 the most space all sent files together may take (default ${LIMITS.maxStorageMiB / 1024})
  --min-free-disk MB
                 refuse files while the disk has less free space (default ${LIMITS.minFreeDiskMiB})
  --upload-quota GB
                 bytes of files one address may send per hour (default ${LIMITS.uploadMiBPerHour / 1024})
  --max-connections N
                 connections the server holds at once (default ${LIMITS.maxConnections})
  --connections-per-address N
                 connections one address may hold at once (default ${LIMITS.connectionsPerAddress})
  --max-uploads N
                 files being received at once, in all (default ${LIMITS.uploadsPerServer})
  --uploads-per-address N
                 files being received at once from one address (default ${LIMITS.uploadsPerAddress})
  --join-timeout SECONDS
                 close connections that have not joined after SECONDS (default ${LIMITS.joinTimeoutMs / 1000})
  --upload-timeout SECONDS
                 check uploads every SECONDS; one that brought less than ${LIMITS.uploadMinBytesPerSecond / 1024} KB a
                 second since the last check is dropped (default ${LIMITS.uploadIdleTimeoutMs / 1000})
  --limit-loopback
                 count this machine's own connections (loopback) in the per-address
                 limits too; for tests that play several machines on one
`;

type LimitValues = {
  [K in keyof typeof LIMIT_OPTIONS]?: K extends 'limit-loopback' ? boolean : string;
};

/** The createChatServer options the flags in `values` ask for, or the error for the first bad one. */
export function parseLimitFlags(
  values: LimitValues,
): { ok: true; options: ChatServerOptions } | { ok: false; error: string } {
  try {
    const amount = (flag: keyof LimitValues, unit: number, least: number, what: string) =>
      parseAmount(flag, values[flag] as string | undefined, unit, least, what);
    const uploads = definedOnly({
      maxStorageBytes: amount('max-storage', GB, 1, 'a number of GB above 0 (like 10 or 0.5)'),
      minFreeDiskBytes: amount('min-free-disk', MB, 0, 'a number of MB (like 256, or 0)'),
      bytesPerHour: amount('upload-quota', GB, 1, 'a number of GB above 0 (like 2 or 0.5)'),
      uploadsPerServer: amount('max-uploads', 1, 1, 'a whole number, at least 1'),
      uploadsPerAddress: amount('uploads-per-address', 1, 1, 'a whole number, at least 1'),
    });
    const connections = definedOnly({
      maxConnections: amount('max-connections', 1, 1, 'a whole number, at least 1'),
      connectionsPerAddress: amount('connections-per-address', 1, 1, 'a whole number, at least 1'),
      joinTimeoutMs: amount('join-timeout', 1000, 1, 'a number of seconds above 0 (like 30)'),
    });
    const uploadIdleTimeoutMs = amount('upload-timeout', 1000, 1, 'a number of seconds above 0');
    return {
      ok: true,
      options: {
        uploads,
        connections,
        ...(uploadIdleTimeoutMs !== undefined && { uploadIdleTimeoutMs }),
        ...(values['limit-loopback'] === true && { isRateLimitExempt: () => false }),
      },
    };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** `text` × `unit`, rounded down; undefined when not given; throws with `what` when malformed. */
function parseAmount(
  flag: string,
  text: string | undefined,
  unit: number,
  least: number,
  what: string,
): number | undefined {
  if (text === undefined) return undefined;
  const decimals = unit === 1 ? '' : '(\\.\\d{1,6})?';
  const value = Math.floor(Number(text) * unit);
  if (!new RegExp(`^\\d{1,9}${decimals}$`).test(text) || value < least) {
    throw new Error(`--${flag} must be ${what}, not "${text}".`);
  }
  return value;
}

function definedOnly<T extends Record<string, number | undefined>>(
  record: T,
): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: number;
  };
}
