/** Pure helpers over message lists, shared by the chat state. */
import type { ChatMessage } from '../../../shared/protocol';

/**
 * Merges messages by id (a rejoin re-delivers recent ones) and keeps them sorted by id. Returns
 * `current` itself when nothing is new, so unchanged state stays unchanged.
 */
export function mergeMessages(current: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const last = current.at(-1);
  const [only] = incoming;
  if (incoming.length === 1 && only && (!last || only.id > last.id)) return [...current, only];
  // A stable sort keeps what we already hold ahead of a re-delivered copy with the same id.
  const sorted = [...current, ...incoming].sort((a, b) => a.id - b.id);
  const merged = sorted.filter((message, index) => message.id !== sorted[index - 1]?.id);
  return merged.length === current.length ? current : merged;
}
