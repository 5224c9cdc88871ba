/**
 * Outboxes that last: every server-and-nickname's unacknowledged messages in one small JSON
 * document, wherever the runtime keeps text (the desktop app: a file in its data directory; the
 * browser: localStorage). What is read back is validated; a document that does not parse is
 * treated as empty rather than trusted.
 */
import { z } from 'zod';
import type { OutboxEntry, OutboxStore } from './api';
import { LIMITS } from './limits';
import { clientIdSchema, messageChangeSchema, roomIdSchema } from './schemas';
import { SerialQueue } from './serial-queue';

/** Where the document lives: read it (null when there is none yet) and replace it whole. */
export interface TextSlot {
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
}

/** Outboxes beyond this many (servers × nicknames) are dropped, oldest first. */
const MAX_OUTBOXES = 50;

const entrySchema = z.strictObject({
  clientId: clientIdSchema,
  room: roomIdSchema.optional(),
  text: z.string().max(LIMITS.messageMaxLength),
  replyTo: z.number().int().min(1).optional(),
  change: messageChangeSchema.optional(),
  state: z.enum(['sending', 'failed']),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.number(),
});

const documentSchema = z.strictObject({
  version: z.literal(1),
  outboxes: z.record(z.string(), z.array(entrySchema)),
});

type OutboxDocument = z.infer<typeof documentSchema>;

export class JsonOutboxStore implements OutboxStore {
  readonly #slot: TextSlot;
  readonly #onError: (error: unknown) => void;
  /** Saves run one at a time, each on the document the previous one left. */
  readonly #saves = new SerialQueue();

  constructor(slot: TextSlot, onError: (error: unknown) => void = () => {}) {
    this.#slot = slot;
    this.#onError = onError;
  }

  async load(key: string): Promise<OutboxEntry[]> {
    await this.#saves.idle();
    const document = await this.#read();
    return (document.outboxes[key] ?? []) as OutboxEntry[];
  }

  save(key: string, entries: OutboxEntry[]): Promise<void> {
    const run = async () => {
      const { outboxes } = await this.#read();
      delete outboxes[key];
      if (entries.length > 0) outboxes[key] = entries;
      const keys = Object.keys(outboxes);
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_OUTBOXES)))
        delete outboxes[old];
      await this.#slot.write(JSON.stringify({ version: 1, outboxes } satisfies OutboxDocument));
    };
    return this.#saves.run(run);
  }

  async #read(): Promise<OutboxDocument> {
    const text = await this.#slot.read();
    if (text === null) return { version: 1, outboxes: {} };
    try {
      const parsed = documentSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      throw new Error('The saved outbox is not in the expected form; starting afresh.');
    } catch (error) {
      this.#onError(error);
      return { version: 1, outboxes: {} };
    }
  }
}
