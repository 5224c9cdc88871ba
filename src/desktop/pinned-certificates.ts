/**
 * PinnedCertificates: the TLS certificate fingerprint pinned for each https server joined, in a
 * small JSON file in the app's data folder (`{ version: 1, pins: { "<origin>": { fingerprint,
 * pinnedAt } } }`), for certificate pinning (src/client/node/certificate-pin.ts). Writes are
 * atomic (atomic-file.ts) and one at a time. A file that cannot be read is set aside and the app
 * starts with no pins: every server is then trusted on first use again.
 */
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import type { CertificatePins } from '../client/node/certificate-pin';
import { normalizeFingerprint } from '../shared/join-link';
import { SerialQueue } from '../shared/serial-queue';
import { writeAtomically } from './atomic-file';

const pinSchema = z.object({
  fingerprint: z.string().refine((text) => normalizeFingerprint(text) === text),
  pinnedAt: z.number().int().nonnegative(),
});
const fileSchema = z.object({
  version: z.literal(1),
  pins: z.record(z.string().regex(/^https:\/\/[^/]+$/), pinSchema),
});

type Pin = z.infer<typeof pinSchema>;

export interface PinnedCertificatesOptions {
  clock?: () => number;
  /** Where a file that cannot be read is reported; default console.error. */
  onError?: (error: unknown) => void;
}

export class PinnedCertificates implements CertificatePins {
  readonly #file: string;
  readonly #clock: () => number;
  #pins: Map<string, Pin>;
  readonly #writes = new SerialQueue();

  private constructor(file: string, pins: Map<string, Pin>, options: PinnedCertificatesOptions) {
    this.#file = file;
    this.#pins = pins;
    this.#clock = options.clock ?? Date.now;
  }

  /** Reads `file` (missing: no pins yet; unreadable: set aside, start empty). Never throws. */
  static async open(
    file: string,
    options: PinnedCertificatesOptions = {},
  ): Promise<PinnedCertificates> {
    const onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
    let pins = new Map<string, Pin>();
    try {
      const parsed = fileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(`${file} is not a pinned-certificates file.`);
      pins = new Map(Object.entries(parsed.data.pins));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        onError(error);
        // Kept for whoever wants to look, and out of the way of the next write.
        await rename(file, `${file}.unreadable`).catch(() => undefined);
      }
    }
    return new PinnedCertificates(file, pins, options);
  }

  get(origin: string): string | null {
    return this.#pins.get(origin)?.fingerprint ?? null;
  }

  /** Pins `fingerprint` for `origin`, then saves the file; rejects when it cannot be saved. */
  set(origin: string, fingerprint: string): Promise<void> {
    const normalized = normalizeFingerprint(fingerprint);
    if (normalized === null || !/^https:\/\/[^/]+$/.test(origin)) {
      return Promise.reject(new TypeError(`Cannot pin "${fingerprint}" for "${origin}".`));
    }
    // In force at once, for this run, even if the file cannot be written.
    this.#pins = new Map(this.#pins).set(origin, {
      fingerprint: normalized,
      pinnedAt: this.#clock(),
    });
    const run = async () => {
      const file = { version: 1, pins: Object.fromEntries(this.#pins) };
      await writeAtomically(this.#file, `${JSON.stringify(file, null, 2)}\n`);
    };
    return this.#writes.run(run);
  }
}
