/**
 * A full garbage collection, for tests that check what a server lets go of (WeakRefs): vitest's
 * workers have no gc(), a fresh context with the flag does.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}
