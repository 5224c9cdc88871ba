/**
 * The desktop app's outbox file: messages not yet acknowledged by their server survive a quit,
 * a crash or a restart of the app, and are sent when that server is joined again with the same
 * nickname. Written atomically (atomic-file.ts); the document's format and rules are
 * src/shared/outbox-store.ts.
 */
import { readFile } from 'node:fs/promises';
import { JsonOutboxStore } from '../shared/outbox-store';
import { writeAtomically } from './atomic-file';

export function openOutboxFile(file: string, onError?: (error: unknown) => void): JsonOutboxStore {
  return new JsonOutboxStore(
    {
      read: async () => {
        try {
          return await readFile(file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw error;
        }
      },
      write: (text) => writeAtomically(file, text),
    },
    onError,
  );
}
