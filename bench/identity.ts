/**
 * How the benchmark's clients prove who they are when joining (protocol 2): sign the challenge —
 * the one the server gives every connection (`session:hello`, the raw clients of wire.ts), or one
 * asked for (`session:challenge`, the others) — and the host with a device key
 * (src/client/device-key.ts), and join with the proof. Shared by the raw clients (wire.ts,
 * flood-client.ts) and the socket.io-client ones (durability.ts, guessing.ts).
 *
 * The generator signs with node:crypto, synchronously: the same keys and signatures as the app's
 * WebCrypto keys (src/client/device-key.ts), but WebCrypto's signing runs as a job on the thread
 * pool and cost the generator 0.5 ms a join — in a 5,000-client join storm a third of the
 * generator's core, which the benchmark would have counted against the server. Making a key costs
 * about 0.1 ms and signing about 0.05 ms; keys are made with `deviceKeys` before any clock starts,
 * so a timed join pays the signature, as a real client does.
 */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { joinProof, type DeviceKey } from '../src/client/device-key';

/**
 * `count` new device keys (new people), made now with their public halves already exported.
 * The keys come out of generateKeyPairSync encoded, not as KeyObjects exported afterwards: in
 * Node 20 exporting a key it just made can deadlock, when the allocation sets off a garbage
 * collection that destroys the finished key-generation job while the export holds the key's lock
 * (a benchmark's load generator hung on it for good).
 */
export function deviceKeys(count: number): Promise<DeviceKey[]> {
  return Promise.resolve(
    Array.from({ length: count }, () => {
      const pair = generateKeyPairSync('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      });
      const privateKey = createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
      // An Ed25519 SPKI ends with the raw 32-byte public key: what DeviceKey.publicKey() gives.
      const raw = Promise.resolve(pair.publicKey.subarray(-32).toString('base64url'));
      return {
        publicKey: () => raw,
        sign: (data: Uint8Array) =>
          Promise.resolve(sign(null, data, privateKey).toString('base64url')),
      };
    }),
  );
}

/**
 * The challenge in a raw acknowledgement frame of `session:challenge`
 * (`43<id>[{"ok":true,"challenge":"…"}]`), or null when the server refused.
 */
export function challengeFromAck(frame: Buffer): string | null {
  const text = frame.toString();
  const start = text.indexOf('[');
  try {
    const [reply] = JSON.parse(text.slice(start)) as [{ ok: boolean; challenge?: unknown }];
    return reply.ok && typeof reply.challenge === 'string' ? reply.challenge : null;
  } catch {
    return null;
  }
}

/** The challenge in a raw `session:hello` event frame (`42["session:hello",{"challenge":"…"}]`). */
export function challengeFromEvent(frame: Buffer): string | null {
  try {
    const [, hello] = JSON.parse(frame.toString('utf8', 2)) as [string, { challenge?: unknown }];
    return typeof hello.challenge === 'string' ? hello.challenge : null;
  } catch {
    return null;
  }
}

/** The JSON of a `session:join` payload: `fields` and the proof of `key` for `challenge`. */
export async function joinPayloadJson(
  fields: Record<string, unknown>,
  key: DeviceKey,
  challenge: string,
  host: string,
): Promise<string> {
  return JSON.stringify({ ...fields, key: await joinProof(key, challenge, host) });
}

type Reply = { ok: true } | { ok: false; error: { code: string; message: string } };

/**
 * `session:join` over socket.io-client, as the app's client does it: the challenge, then the join
 * with `fields` and the proof of `key`. A refused challenge is the reply (the join is not sent).
 */
export async function joinWithProof<R extends Reply>(
  socket: Socket,
  fields: Record<string, unknown>,
  key: DeviceKey,
  timeoutMs: number,
): Promise<R | Extract<Reply, { ok: false }>> {
  const ask = (event: string, payload: unknown) =>
    (
      socket.timeout(timeoutMs) as unknown as {
        emitWithAck(event: string, payload: unknown): Promise<unknown>;
      }
    ).emitWithAck(event, payload);
  const asked = (await ask('session:challenge', {})) as
    { ok: true; challenge: string } | Extract<Reply, { ok: false }>;
  if (!asked.ok) return asked;
  const host = new URL((socket.io as unknown as { uri: string }).uri).host;
  const proof = await joinProof(key, asked.challenge, host);
  return (await ask('session:join', { ...fields, key: proof })) as R;
}
