/**
 * Test support: a real full disk. A small tmpfs the test mounts itself (needs root, or the right
 * to mount), which it fills to the last byte and frees again. Where it cannot be mounted,
 * `mountSmallDisk` says why, and the test is skipped with that reason printed.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  /** The mounted folder. */
  readonly path: string;
  /** Writes a file until the disk refuses another byte (ENOSPC). */
  fill(): void;
  /** Deletes that file: the space is back. */
  free(): void;
  unmount(): void;
}

/** A tmpfs of `megabytes` mounted on a new temporary folder, or why there is none. */
export function mountSmallDisk(megabytes: number): SmallDisk | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: 'mounting a tmpfs needs root' };
  const path = mkdtempSync(join(tmpdir(), 'parley-small-disk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', path], {
    encoding: 'utf8',
  });
  if (mount.status !== 0) {
    rmdirSync(path);
    return {
      unavailable: `mount -t tmpfs failed: ${(mount.stderr || mount.error?.message) ?? ''}`,
    };
  }
  const filler = join(path, 'filler');
  return {
    path,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Big blocks first, then smaller ones down to a single byte, so nothing is left.
        for (let size = 1 << 20; size >= 1; size >>= 4) {
          const block = Buffer.alloc(size);
          for (;;) {
            try {
              writeSync(fd, block);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      spawnSync('umount', ['-l', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
