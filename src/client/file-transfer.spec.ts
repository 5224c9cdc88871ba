/**
 * Transfers against a server that stops answering part-way: every request of a transfer has its
 * own acknowledgement timeout, so a transfer ends with `timeout` instead of waiting for ever.
 */
import { describe, expect, it } from 'vitest';
import { bareServer } from '../../tests/support/bare-server';
import { bytesSource, downloadFile, uploadFile } from './file-transfer';

const FILE_ID = 'a'.repeat(64);

describe('a transfer whose server goes silent', () => {
  it('ends an upload with timeout when a chunk is never acknowledged', async () => {
    const { connect } = await bareServer((peer) => {
      peer.on('file:begin', (_payload, ack) =>
        ack({ ok: true, uploadId: 'u1', chunkSize: 4, maxFileBytes: 1_000 }),
      );
      // file:chunk is never answered.
    });
    const socket = await connect();
    const source = bytesSource('a.txt', 'text/plain', new Uint8Array(10));
    const result = await uploadFile(socket, source, 'lobby', { ackTimeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('ends a download with timeout when a later chunk is never sent', async () => {
    let reads = 0;
    const { connect } = await bareServer((peer) => {
      peer.on('file:read', (_payload, ack) => {
        reads += 1;
        // The first chunk arrives; the second is never answered.
        if (reads === 1) ack({ ok: true, data: new Uint8Array(48 * 1024), size: 100_000 });
      });
    });
    const socket = await connect();
    const file = { id: FILE_ID, name: 'a.bin', size: 100_000, type: 'application/octet-stream' };
    const result = await downloadFile(socket, file, { ackTimeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(reads).toBe(2);
  });
});
