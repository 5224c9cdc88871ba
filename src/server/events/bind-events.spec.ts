/**
 * What bind-events.ts does for every client event before the event's own schema (`bindEvents`
 * wrapper), against a real server: the checks that the fuzz suite (tests/integration/fuzz.spec.ts)
 * found wanting, kept here as plain regression tests.
 */
import { describe, expect, it } from 'vitest';
import { emitRaw, rawSocket, startServer } from '../../../tests/support/chat';
import { CLIENT_EVENTS } from '../../shared/protocol';

describe('every client event', () => {
  it.each(CLIENT_EVENTS)(
    '%s refuses a payload that is not a plain object with one short sentence',
    async (event) => {
      const server = await startServer();
      const socket = await rawSocket(server);
      // Arrays got zod's own wording; binary arrives as a Buffer, which zod took for an object
      // with one field per byte ("Unknown field(s): 0, 1, 2, …" for 60,000 of them).
      const payloads = [[], [{ nickname: 'a' }], Buffer.alloc(60_000), new Uint8Array(3).buffer];
      for (const payload of payloads) {
        expect(await emitRaw(socket, event, payload)).toEqual({
          ok: false,
          error: { code: 'invalid_payload', message: 'Payload must be an object.' },
        });
      }
      expect(socket.connected).toBe(true);
    },
  );
});
