/** The quota and cap flags of `parley serve` become the createChatServer options they name. */
import { describe, expect, it } from 'vitest';
import { parseLimitFlags } from './cli-limits';

describe('parley serve quota and cap flags', () => {
  it('turns each flag into its option, in bytes and milliseconds', () => {
    expect(
      parseLimitFlags({
        'max-storage': '0.5',
        'min-free-disk': '0',
        'upload-quota': '2',
        'max-connections': '100',
        'connections-per-address': '4',
        'max-uploads': '10',
        'uploads-per-address': '2',
        'join-timeout': '1.5',
        'upload-timeout': '5',
      }),
    ).toEqual({
      ok: true,
      options: {
        uploads: {
          maxStorageBytes: 512 * 1024 * 1024,
          minFreeDiskBytes: 0,
          bytesPerHour: 2 * 1024 * 1024 * 1024,
          uploadsPerServer: 10,
          uploadsPerAddress: 2,
        },
        connections: { maxConnections: 100, connectionsPerAddress: 4, joinTimeoutMs: 1500 },
        uploadIdleTimeoutMs: 5000,
      },
    });
  });

  it('leaves unset flags to the defaults, and counts loopback only when asked', () => {
    expect(parseLimitFlags({})).toEqual({ ok: true, options: { uploads: {}, connections: {} } });
    const parsed = parseLimitFlags({ 'limit-loopback': true });
    const exempt = parsed.ok ? parsed.options.isRateLimitExempt : undefined;
    expect(exempt?.('127.0.0.1')).toBe(false);
  });
});
