/**
 * Reads a server's whole history over the protocol, as any client could: a raw socket joins and
 * pages forwards with `history:fetch` from id 0. (The join ack alone is no count of what is
 * stored: without `since` it holds only the newest LIMITS.joinHistoryLength messages.)
 */
import { joinWith } from '../support/join-with';
import { io, type Socket } from 'socket.io-client';
import { LIMITS } from '../../src/shared/limits';
import type {
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/shared/protocol';

const ACK_TIMEOUT_MS = 10_000;

export async function readStoredHistory(url: string, nickname: string): Promise<ChatMessage[]> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const joined = await joinWith(socket, { nickname });
    if (!joined.ok) throw new Error(`could not join to read the history: ${joined.error.message}`);

    const messages: ChatMessage[] = [];
    for (;;) {
      const after = messages.at(-1)?.id ?? 0;
      const page = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('history:fetch', { after, limit: LIMITS.historyPageLength });
      if (!page.ok) {
        // History pages are rate limited per connection; a long history waits its turn.
        if (page.error.code === 'rate_limited') {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          continue;
        }
        throw new Error(`could not read the history after id ${after}: ${page.error.message}`);
      }
      messages.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) return messages;
    }
  } finally {
    socket.disconnect();
  }
}
