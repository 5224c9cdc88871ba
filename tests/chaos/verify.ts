/**
 * The chaos test's judge: given what every client posted, what every client ended up holding and
 * what the server stored, it counts sent, stored, received, lost and duplicated messages and
 * lists every way the logs fall short of "identical, complete, ordered". Pure, so that its own
 * spec can show it catches each kind of failure.
 */
import { isDeepStrictEqual } from 'node:util';
import { mergeLog } from '../../src/shared/message-changes';
import type { ChatMessage } from '../../src/shared/protocol';

/** One message a client put in its outbox: who posted it and the client id it got. */
export interface PostedMessage {
  author: string;
  clientId: string;
}

export interface ChaosLogs {
  posted: PostedMessage[];
  /** Every message each client delivered to its listeners, in delivery order. */
  clientLogs: Array<{ nickname: string; messages: ChatMessage[] }>;
  /** The server's whole history, oldest first, as read after the run. */
  stored: ChatMessage[];
}

export interface ChaosCounts {
  sent: number;
  stored: number;
  /** Messages each client holds, in the order of `clientLogs`. */
  received: number[];
  /** Posted messages the server does not hold, plus stored messages a client does not hold. */
  lost: number;
  /** Extra copies of one message (by id or by author and client id), stored or held. */
  duplicated: number;
  /** Every problem found, in words; empty when the run was perfect. */
  problems: string[];
}

/** How many examples a problem line names. */
const EXAMPLES = 5;

const keyOf = (author: string, clientId: string) => `${author}/${clientId}`;
const messageKey = (message: ChatMessage) => keyOf(message.author.nickname, message.clientId);

export function verifyChaos({ posted, clientLogs, stored }: ChaosLogs): ChaosCounts {
  const problems: string[] = [];
  const report = (count: number, what: string, examples: Array<string | number> = []) => {
    if (count === 0) return;
    const shown = examples.slice(0, EXAMPLES).join(', ');
    problems.push(`${what}: ${count}${shown ? ` (e.g. ${shown})` : ''}`);
  };

  const postedKeys = new Set<string>();
  const postedTwice: string[] = [];
  for (const { author, clientId } of posted) {
    const key = keyOf(author, clientId);
    if (postedKeys.has(key)) postedTwice.push(key);
    postedKeys.add(key);
  }
  // Not a server fault: the harness (or the client's id maker) reused a client id.
  report(postedTwice.length, 'client ids posted more than once', postedTwice);

  const server = examine(stored);
  const storedKeys = new Set(stored.map(messageKey));
  const notStored = [...postedKeys].filter((key) => !storedKeys.has(key));
  const unposted = [...storedKeys].filter((key) => !postedKeys.has(key));
  report(notStored.length, 'posted but not stored (lost)', notStored);
  report(server.duplicates.length, 'stored more than once (duplicated)', server.duplicates);
  report(server.outOfOrder.length, 'stored ids not increasing, at positions', server.outOfOrder);
  report(unposted.length, 'stored but never posted', unposted);

  const storedById = new Map(stored.map((message) => [message.id, message]));
  const storedFinal = new Map(mergeLog([], stored).map((message) => [message.id, message]));
  const storedIds = [...storedById.keys()];
  let lost = notStored.length;
  let duplicated = server.duplicates.length;

  for (const { nickname, messages } of clientLogs) {
    const problemsBefore = problems.length;
    const held = examine(messages);
    const heldIds = new Set(messages.map((message) => message.id));
    const missing = storedIds.filter((id) => !heldIds.has(id));
    const unknown = messages.filter((message) => !storedById.has(message.id));
    const changed = messages.filter((message) => {
      const original = storedById.get(message.id);
      return original !== undefined && messageKey(original) !== messageKey(message);
    });
    lost += missing.length;
    duplicated += held.duplicates.length;
    report(missing.length, `${nickname}: stored but not received (lost), ids`, missing);
    report(held.duplicates.length, `${nickname}: received more than once`, held.duplicates);
    report(
      held.outOfOrder.length,
      `${nickname}: ids not increasing, at positions`,
      held.outOfOrder,
    );
    report(
      unknown.length,
      `${nickname}: received ids the server does not hold`,
      unknown.map((message) => `${message.id} ${messageKey(message)}`),
    );
    report(
      changed.length,
      `${nickname}: ids that name another message on the server`,
      changed.map((message) => `${message.id} ${messageKey(message)}`),
    );
    // Every change applied: each client shows every message as the server holds it now.
    const finalState = mergeLog([], messages);
    const differs = finalState.filter((message) => !sameJson(message, storedFinal.get(message.id)));
    report(
      differs.length,
      `${nickname}: messages whose final state differs from the server's, ids`,
      differs.map((message) => message.id),
    );
    const divergence = firstDifference(
      messages.map((message) => message.id),
      stored.map((message) => message.id),
    );
    if (divergence !== null && problems.length === problemsBefore) {
      // Reached only when nothing above explains it: same messages, another sequence.
      problems.push(`${nickname}: log differs from the server's at position ${divergence}`);
    }
  }

  return {
    sent: posted.length,
    stored: stored.length,
    received: clientLogs.map(({ messages }) => messages.length),
    lost,
    duplicated,
    problems,
  };
}

/**
 * Extra copies (a second entry with an id or an author + client id already seen) and the
 * positions where ids stop strictly increasing.
 */
function examine(messages: ChatMessage[]): { duplicates: string[]; outOfOrder: number[] } {
  const ids = new Set<number>();
  const keys = new Set<string>();
  const duplicates: string[] = [];
  const outOfOrder: number[] = [];
  messages.forEach((message, position) => {
    const key = messageKey(message);
    if (ids.has(message.id) || keys.has(key)) duplicates.push(`${message.id} ${key}`);
    ids.add(message.id);
    keys.add(key);
    const previous = messages[position - 1];
    if (previous && message.id <= previous.id) outOfOrder.push(position);
  });
  return { duplicates, outOfOrder };
}

/**
 * The same message as JSON says it, whatever the order of its fields: PostgreSQL's jsonb (a
 * cluster's store) keeps an object's keys in an order of its own.
 */
function sameJson(a: unknown, b: unknown): boolean {
  const asJson = (value: unknown): unknown =>
    value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  return isDeepStrictEqual(asJson(a), asJson(b));
}

function firstDifference(a: number[], b: number[]): number | null {
  const length = Math.max(a.length, b.length);
  for (let position = 0; position < length; position++) {
    if (a[position] !== b[position]) return position;
  }
  return null;
}
