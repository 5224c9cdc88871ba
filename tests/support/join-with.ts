/**
 * `session:join` for tests and tools that drive the protocol by hand: the challenge, then the
 * join with a device key's proof. No test runner in here: the chaos processes use it too.
 */
import type { Socket } from 'socket.io-client';
import { joinProof, memoryDeviceKey, type DeviceKey } from '../../src/client/device-key';

// For the server's specs, which may not import the client: a person's key.
export { joinProof, memoryDeviceKey, type DeviceKey };
import type { JoinedSession } from '../../src/shared/protocol';
import type { Result } from '../../src/shared/result';

type Ask = (event: string, payload: unknown) => Promise<Result<Record<string, unknown>>>;

/**
 * `session:join` as a client does it: asks for the challenge (`session:challenge`), then joins
 * with `payload` and the proof of `key` (default a new key: a new person). Pass the same key to
 * join again as the same person.
 */
export async function joinWith(
  socket: Socket,
  payload: Record<string, unknown>,
  key: DeviceKey = memoryDeviceKey(),
): Promise<Result<JoinedSession>> {
  const ask = ((event, payload) =>
    (
      socket.timeout(10_000) as unknown as {
        emitWithAck(event: string, payload: unknown): Promise<Result<Record<string, unknown>>>;
      }
    ).emitWithAck(event, payload)) as Ask;
  const asked = await ask('session:challenge', {});
  if (!asked.ok) return asked;
  const host = new URL((socket.io as unknown as { uri: string }).uri).host;
  const proof = await joinProof(key, asked.challenge as string, host);
  return (await ask('session:join', { ...payload, key: proof })) as Result<JoinedSession>;
}
