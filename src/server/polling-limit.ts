/**
 * The largest HTTP long-polling request body the server accepts, worked out from how Socket.IO
 * clients fill one. Engine.IO's `maxPayload` (LIMITS.maxPayloadBytes, stated in the handshake)
 * bounds WebSocket frames, where a file chunk travels as raw bytes. Over long-polling a client
 * packs several packets into one request and sends a binary attachment as `b` + base64, and it
 * fills a request up to maxPayload by its own estimate, which counts base64 as 1.33 bytes a byte
 * (it takes 4/3, in whole groups of 4). So a request the client believes fits can be a little
 * larger than maxPayload, and a full file chunk alone always is (49,152 bytes are 65,537 as
 * base64). With maxPayload as the body limit, the chunk size `file:begin` advertises was refused
 * with 413 and the connection dropped; this limit lets every packet the protocol allows through.
 */
import { LIMITS } from '../shared/limits';

/** Socket.IO clients' estimate of base64's size: bytes times this (engine.io-client). */
const CLIENT_BASE64_ESTIMATE = 1.33;

/** The length of `bytes` bytes as base64 (padded, as Engine.IO sends it). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * The smallest packet that carries an attachment in Parley's protocol: a `file:chunk` event's
 * text part (its bytes follow as a packet of their own). Each attachment in a request comes
 * with one, which bounds how many attachments a request can hold.
 */
const SMALLEST_ATTACHMENT_HEADER = `451-${JSON.stringify([
  'file:chunk',
  { uploadId: 'x', offset: 0, data: { _placeholder: true, num: 0 } },
])}`.length;

export function pollingBodyLimit(
  maxPayload: number = LIMITS.maxPayloadBytes,
  chunkBytes: number = LIMITS.fileChunkBytes,
): number {
  // A request of one packet is sent whatever its size: the largest is a full chunk's bytes.
  const oneChunk = 1 + base64Length(chunkBytes);
  // A request of several packets is estimated at most maxPayload. Each attachment in it is
  // counted short by its bytes times (4/3 - 1.33), plus at most 3 for rounding to groups of 4
  // and the `b` marker; its bytes are at most maxPayload / 1.33, its count at most one per
  // attachment header.
  const attachmentBytes = maxPayload / CLIENT_BASE64_ESTIMATE;
  const attachments = Math.floor(maxPayload / (SMALLEST_ATTACHMENT_HEADER + 2));
  const counted = Math.ceil(attachmentBytes * (4 / 3 - CLIENT_BASE64_ESTIMATE)) + 3 * attachments;
  return Math.max(oneChunk, maxPayload + counted);
}
