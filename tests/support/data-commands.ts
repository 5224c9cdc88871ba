/**
 * Test support for the data folder's commands: running `parley ...` through the CLI's own entry
 * point (main) in this process, reading back every message a server serves, and sending a file.
 */
import type { ChatServer } from '../../src/server/chat-server';
import { main } from '../../src/server/cli';
import { LIMITS } from '../../src/shared/limits';
import type { ChatMessage } from '../../src/shared/protocol';
import { emitRaw, joinRaw, type RawSocket } from './chat';

/** Runs `parley ...args`; its exit code and everything it printed. */
export async function parley(...args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await main(args, {
    out: (line) => (output += `${line}\n`),
    err: (line) => (output += `${line}\n`),
  });
  return { code, output };
}

/** Every message of the lobby the server serves, oldest first, read page by page. */
export async function allMessages(server: ChatServer): Promise<ChatMessage[]> {
  const socket = await joinRaw(server, 'reader');
  const messages: ChatMessage[] = [];
  for (;;) {
    const page = await emitRaw(socket, 'history:fetch', { after: messages.at(-1)?.id ?? 0 });
    if (!page.ok) throw new Error(page.error.message);
    messages.push(...(page.messages as ChatMessage[]));
    if (!page.hasMore) break;
  }
  socket.disconnect();
  return messages;
}

/** Sends `bytes` as a file over a joined raw socket; the message that carries it. */
export async function sendFile(socket: RawSocket, bytes: Buffer): Promise<ChatMessage> {
  const begun = await emitRaw(socket, 'file:begin', {
    name: 'notes.bin',
    type: 'application/octet-stream',
    size: bytes.length,
  });
  if (!begun.ok) throw new Error(begun.error.message);
  const uploadId = begun.uploadId as string;
  for (let offset = 0; offset < bytes.length; offset += LIMITS.fileChunkBytes) {
    const data = bytes.subarray(offset, offset + LIMITS.fileChunkBytes);
    const chunk = await emitRaw(socket, 'file:chunk', { uploadId, offset, data });
    if (!chunk.ok) throw new Error(chunk.error.message);
  }
  const ended = await emitRaw(socket, 'file:end', { uploadId });
  if (!ended.ok) throw new Error(ended.error.message);
  return ended.message as ChatMessage;
}
