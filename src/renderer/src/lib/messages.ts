/** Pure helpers over message lists, shared by the chat state. */
import { mergeLog } from '../../../shared/message-changes';
import type { ChatMessage } from '../../../shared/protocol';

/**
 * Merges messages by id (a rejoin re-delivers recent ones) and keeps them sorted by id; change
 * entries (edits, deletes, reactions, pins) are applied to the messages they change and not kept
 * (see message-changes.ts). Returns `current` itself when nothing changed, so unchanged state
 * stays unchanged.
 */
export function mergeMessages(current: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const last = current.at(-1);
  const [only] = incoming;
  if (incoming.length === 1 && only && !only.change && (!last || only.id > last.id)) {
    return [...current, only];
  }
  return mergeLog(current, incoming);
}
