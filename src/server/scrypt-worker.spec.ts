/** scrypt on its own thread at the lowest priority: the same keys, the priority, a stopped thread. */
import { scryptSync, type ScryptOptions } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ScryptWorker } from './scrypt-worker';

const OPTIONS: ScryptOptions = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SALT = Buffer.from('0123456789abcdef');

describe('ScryptWorker', () => {
  const workers: ScryptWorker[] = [];
  const worker = () => {
    const made = new ScryptWorker();
    workers.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((each) => each.stop()));
  });

  it('gives the keys crypto.scrypt gives, one check after another or several at once', async () => {
    const hasher = worker();
    const secrets = ['open sesame', 'ünïcödé', '', 'x'.repeat(200)];
    const keys = await Promise.all(
      secrets.map((secret) => hasher.derive(secret, SALT, 32, OPTIONS)),
    );
    secrets.forEach((secret, at) => {
      expect(keys[at]).toEqual(scryptSync(secret, SALT, 32, OPTIONS));
    });
    expect(await hasher.derive('open sesame', SALT, 32, OPTIONS)).toEqual(keys[0]);
  });

  it.runIf(process.platform === 'linux')(
    'runs at nice 19 on Linux, in a thread of this process other than the event loop',
    async () => {
      const thread = await worker().thread();
      expect(thread).not.toBeNull();
      expect(thread!.nice).toBe(19);
      expect(thread!.threadId).not.toBe(process.pid);
    },
  );

  it('refuses a check scrypt refuses with a clear error, and goes on', async () => {
    const hasher = worker();
    // N must be a power of two: crypto refuses, in the thread, and the thread lives on.
    await expect(hasher.derive('a', SALT, 32, { ...OPTIONS, N: 3 })).rejects.toThrow(
      /^The passphrase could not be checked: /,
    );
    expect(await hasher.derive('a', SALT, 32, OPTIONS)).toEqual(scryptSync('a', SALT, 32, OPTIONS));
  });

  it('fails the checks waiting when its thread stops, and starts a new one for the next', async () => {
    const hasher = worker();
    const first = (await hasher.thread())?.threadId;
    const failed = expect(hasher.derive('a', SALT, 32, OPTIONS)).rejects.toThrow(
      'The passphrase check stopped: it was stopped. Try again.',
    );
    await hasher.stop();
    await failed;
    expect(await hasher.derive('b', SALT, 32, OPTIONS)).toEqual(scryptSync('b', SALT, 32, OPTIONS));
    if (process.platform === 'linux') {
      expect((await hasher.thread())?.threadId).not.toBe(first);
    }
  });
});
