/**
 * What a join proves (protocol 2): the text a device key signs, shared by the clients that sign it
 * (src/client/device-key.ts) and the server that checks it (src/server/join-proof.ts).
 */

/** Joining signs this text: the server's challenge and the host the client connected to. */
export function joinProofText(challenge: string, host: string): string {
  return `parley-join/2\n${host.toLowerCase()}\n${challenge}`;
}

/** What `session:join` carries to prove the key. */
export interface JoinProof {
  /** Raw Ed25519 public key (32 bytes), base64url. */
  publicKey: string;
  /** The signature of joinProofText (64 bytes), base64url. */
  signature: string;
  /** The host the proof was made for (the server refuses a proof made for another). */
  host: string;
}
