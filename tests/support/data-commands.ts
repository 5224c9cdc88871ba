/**
 * Test support for the data folder's commands: running `parley ...` through the CLI's own entry
 * point (main) in this process, and reading back every message a server serves.
 */
import type { ChatServer } from '../../src/server/chat-server';
import { main } from '../../src/server/cli';
import type { ChatMessage } from '../../src/shared/protocol';
import { emitRaw, joinRaw } from './chat';

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
