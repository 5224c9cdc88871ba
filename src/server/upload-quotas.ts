/**
 * What uploads may take from the server, counted across all connections: uploads open at once
 * per network address and in all (each holds a file descriptor), bytes of files per address per
 * hour, the space all stored files take, and a floor of free disk space. file-events.ts claims a
 * share before an upload starts and hands back what it did not use when the upload ends. A
 * refusal takes nothing: no slot, no space, no part of the hourly volume.
 *
 * Uploads count against the space as soon as they start, with their announced size: two that each
 * fit alone cannot together go past the limit, and an upload cannot grow past what it announced
 * (file-events.ts refuses a chunk that would), so none is ever stopped half-way by the limit.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { formatFileSize } from '../shared/file-name';
import { LIMITS } from '../shared/limits';
import { fail, type Failure } from '../shared/result';

/** Why an upload gets no share. */
export type QuotaFailure = Failure<'too_many_uploads' | 'storage_full' | 'quota_exceeded'>;
import { checkWholeNumber } from './errors';
import type { FileStore } from './file-store';
import type { Limiter } from './rate-limits';

const MiB = 1024 * 1024;

/** What createChatServer's `uploads` option may set; each unset one takes its LIMITS default. */
export interface UploadSettings extends UploadQuotaLimits {
  /** Uploads one connection may have open at once. */
  uploadsPerConnection: number;
  /** How often an upload's progress is checked, ms. */
  idleTimeoutMs: number;
  /** The slowest upload kept, in bytes per second over each idleTimeoutMs. */
  minBytesPerSecond: number;
}

/** `given` over the defaults; a ChatServerError names a setting that is not a whole number ≥ its least. */
export function uploadSettings(
  given: Partial<UploadSettings> = {},
  idleTimeoutMs: number = LIMITS.uploadIdleTimeoutMs,
): UploadSettings {
  const settings: UploadSettings = {
    uploadsPerConnection: LIMITS.uploadsPerConnection,
    uploadsPerAddress: LIMITS.uploadsPerAddress,
    uploadsPerServer: LIMITS.uploadsPerServer,
    idleTimeoutMs,
    minBytesPerSecond: LIMITS.uploadMinBytesPerSecond,
    bytesPerHour: LIMITS.uploadMiBPerHour * MiB,
    maxStorageBytes: LIMITS.maxStorageMiB * MiB,
    minFreeDiskBytes: LIMITS.minFreeDiskMiB * MiB,
    ...given,
  };
  for (const [name, value] of Object.entries(settings)) {
    const least = name === 'minFreeDiskBytes' || name === 'minBytesPerSecond' ? 0 : 1;
    checkWholeNumber(`uploads.${name}`, value, least);
  }
  return settings;
}

export interface UploadQuotaLimits {
  /** Uploads one address may have open at once, all its connections together. */
  uploadsPerAddress: number;
  /** Uploads open at once on the whole server. */
  uploadsPerServer: number;
  /** Bytes of files one address may send per hour. */
  bytesPerHour: number;
  /** The most bytes all stored files together may take. */
  maxStorageBytes: number;
  /** Uploads are refused while the disk has less free space than this, in bytes. */
  minFreeDiskBytes: number;
}

/** One upload's share; `release` gives back what it did not use (once; later calls do nothing). */
export interface UploadClaim {
  /** `written`: the bytes that arrived (they stay counted in the hourly volume). */
  release(written: number): void;
}

export class UploadQuotas {
  readonly #store: FileStore;
  readonly #limits: UploadQuotaLimits;
  readonly #isExempt: (address: string) => boolean;
  /** Bytes sent per address this hour (shared by servers on one database: limiters.ts). */
  readonly #volume: Limiter;
  /** Open uploads per address (exempt addresses are not counted here). */
  readonly #openPerAddress = new Map<string, number>();
  #openTotal = 0;
  /** Announced sizes of the open uploads: space they may still take. */
  #reservedBytes = 0;

  /** `volume`: the hourly bytes per address; default one in memory with `limits.bytesPerHour`. */
  constructor(
    store: FileStore,
    limits: UploadQuotaLimits,
    isExempt: (address: string) => boolean,
    volume: Limiter = new RateLimiterMemory({ points: limits.bytesPerHour, duration: 3600 }),
  ) {
    this.#store = store;
    this.#limits = limits;
    this.#isExempt = isExempt;
    this.#volume = volume;
  }

  /**
   * A share for an upload of `size` bytes from `address`, or why there is none. The hourly volume
   * is counted per address for now; once people have identities, their key is the place to count
   * it per person (`volumeKey`).
   */
  async claim(address: string, size: number): Promise<UploadClaim | QuotaFailure> {
    const limits = this.#limits;
    const exempt = this.#isExempt(address);
    if (this.#openTotal >= limits.uploadsPerServer) {
      return fail(
        'too_many_uploads',
        `The server is receiving as many files as it can at once (${limits.uploadsPerServer}). Try again in a moment.`,
      );
    }
    const openHere = this.#openPerAddress.get(address) ?? 0;
    if (!exempt && openHere >= limits.uploadsPerAddress) {
      return fail(
        'too_many_uploads',
        `At most ${limits.uploadsPerAddress} files can be sent at once from one device. Wait for one to finish.`,
      );
    }
    const used = this.#store.usedBytes + this.#reservedBytes;
    if (used + size > limits.maxStorageBytes) {
      return fail(
        'storage_full',
        `The server's space for files is full (${formatFileSize(used)} of ${formatFileSize(limits.maxStorageBytes)} used), so it cannot take this file. Messages still work.`,
      );
    }
    // Taken now, before anything is awaited, so that uploads starting together all count.
    this.#take(address, exempt, size);
    let refused: QuotaFailure | null;
    try {
      // Open uploads' announced sizes count as written already (this one's too).
      refused =
        (await this.diskFailure(this.#reservedBytes)) ??
        (await this.#useVolume(address, exempt, size));
    } catch (error) {
      this.#give(address, exempt, size);
      throw error;
    }
    if (refused) {
      this.#give(address, exempt, size);
      return refused;
    }
    let released = false;
    return {
      release: (written: number) => {
        if (released) return;
        released = true;
        this.#give(address, exempt, size);
        if (!exempt && written < size) void this.#volume.reward(volumeKey(address), size - written);
      },
    };
  }

  /**
   * Why no more bytes may be written now: the disk's free space is below the floor, or would be
   * after `ahead` more bytes (null: it is not).
   */
  async diskFailure(ahead = 0): Promise<Failure<'storage_full'> | null> {
    const free = await this.#store.freeBytes();
    if (free - ahead >= this.#limits.minFreeDiskBytes) return null;
    return fail(
      'storage_full',
      `The server's disk is nearly full (${formatFileSize(free)} free), so it accepts no files now. Messages still work.`,
    );
  }

  async #useVolume(
    address: string,
    exempt: boolean,
    size: number,
  ): Promise<Failure<'quota_exceeded'> | null> {
    if (exempt) return null;
    const key = volumeKey(address);
    try {
      await this.#volume.consume(key, size);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      // A refused consume still counted its points: give them back, the upload never started.
      await this.#volume.reward(key, size);
      const minutes = Math.max(1, Math.ceil(rejection.msBeforeNext / 60_000));
      return fail(
        'quota_exceeded',
        `This device has sent as many files as the server accepts in an hour (${formatFileSize(this.#limits.bytesPerHour)}). More can be sent in ${minutes} min.`,
      );
    }
  }

  #take(address: string, exempt: boolean, size: number): void {
    this.#openTotal += 1;
    this.#reservedBytes += size;
    if (!exempt) this.#openPerAddress.set(address, (this.#openPerAddress.get(address) ?? 0) + 1);
  }

  #give(address: string, exempt: boolean, size: number): void {
    this.#openTotal -= 1;
    this.#reservedBytes -= size;
    if (exempt) return;
    const left = (this.#openPerAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#openPerAddress.set(address, left);
    else this.#openPerAddress.delete(address);
  }
}

/** Whose hourly volume an upload counts against: the address now, the person once there are identities. */
function volumeKey(address: string): string {
  return address;
}
