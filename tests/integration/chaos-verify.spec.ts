/**
 * The chaos test's judge (tests/chaos/verify.ts) catches every way a run can go wrong: a message
 * the server never stored, one a client never got, one stored or shown twice, logs out of order
 * or in a different order than the server's, ids that name another message. Without this the
 * chaos test could pass by never looking.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/shared/protocol';
import { verifyChaos, type ChaosLogs } from '../chaos/verify';

function message(id: number, author: string, clientId: string): ChatMessage {
  return {
    id,
    clientId,
    room: 'lobby',
    author: { id: `user-${author}`, nickname: author },
    text: `${author} ${clientId}`,
    sentAt: 1_767_225_600_000 + id,
  };
}

const a1 = message(1, 'ann', 'a1');
const b1 = message(2, 'bob', 'b1');
const a2 = message(3, 'ann', 'a2');
const posted = [
  { author: 'ann', clientId: 'a1' },
  { author: 'bob', clientId: 'b1' },
  { author: 'ann', clientId: 'a2' },
];

/** A perfect run, with the logs changed by `change`. */
function run(change: (logs: ChaosLogs) => void = () => {}): ChaosLogs {
  const logs: ChaosLogs = {
    posted: posted.map((entry) => ({ ...entry })),
    clientLogs: [
      { nickname: 'ann', messages: [a1, b1, a2] },
      { nickname: 'bob', messages: [a1, b1, a2] },
    ],
    stored: [a1, b1, a2],
  };
  change(logs);
  return logs;
}

describe('verifyChaos', () => {
  it('passes a perfect run and counts it', () => {
    expect(verifyChaos(run())).toEqual({
      sent: 3,
      stored: 3,
      received: [3, 3],
      lost: 0,
      duplicated: 0,
      problems: [],
    });
  });

  it('counts a posted message the server never stored as lost', () => {
    const counts = verifyChaos(
      run((logs) => {
        logs.stored = [a1, b1];
        logs.clientLogs.forEach((log) => (log.messages = [a1, b1]));
      }),
    );
    expect(counts.lost).toBe(1);
    expect(counts.problems).toEqual(['posted but not stored (lost): 1 (e.g. ann/a2)']);
  });

  it('counts a stored message one client never received as lost', () => {
    const counts = verifyChaos(run((logs) => (logs.clientLogs[1]!.messages = [a1, a2])));
    expect(counts.lost).toBe(1);
    expect(counts.received).toEqual([3, 2]);
    expect(counts.problems).toEqual(['bob: stored but not received (lost), ids: 1 (e.g. 2)']);
  });

  it('counts a message stored twice under two ids as duplicated', () => {
    const again = message(4, 'ann', 'a2');
    const counts = verifyChaos(
      run((logs) => {
        logs.stored = [a1, b1, a2, again];
        logs.clientLogs.forEach((log) => (log.messages = [a1, b1, a2, again]));
      }),
    );
    // Once on the server, and once in each client's log.
    expect(counts.duplicated).toBe(3);
    expect(counts.problems).toContain('stored more than once (duplicated): 1 (e.g. 4 ann/a2)');
  });

  it('counts a message a client delivered twice as duplicated', () => {
    const counts = verifyChaos(run((logs) => (logs.clientLogs[0]!.messages = [a1, b1, b1, a2])));
    expect(counts.duplicated).toBe(1);
    expect(counts.problems).toContain('ann: received more than once: 1 (e.g. 2 bob/b1)');
  });

  it('finds a log out of order', () => {
    const counts = verifyChaos(run((logs) => (logs.clientLogs[1]!.messages = [a1, a2, b1])));
    expect(counts.lost).toBe(0);
    expect(counts.duplicated).toBe(0);
    expect(counts.problems).toEqual(['bob: ids not increasing, at positions: 1 (e.g. 2)']);
  });

  it("finds a client whose id means another message than the server's", () => {
    const impostor = message(3, 'bob', 'b9');
    const counts = verifyChaos(run((logs) => (logs.clientLogs[0]!.messages = [a1, b1, impostor])));
    expect(counts.problems).toContain(
      'ann: ids that name another message on the server: 1 (e.g. 3 bob/b9)',
    );
  });

  it('finds messages nobody posted, and ids the server does not hold', () => {
    const stray = message(9, 'eve', 'e1');
    const counts = verifyChaos(
      run((logs) => {
        logs.stored = [a1, b1, a2, stray];
        logs.clientLogs[0]!.messages = [a1, b1, a2, stray];
        logs.clientLogs[1]!.messages = [a1, b1, a2, message(10, 'eve', 'e2')];
      }),
    );
    expect(counts.problems).toContain('stored but never posted: 1 (e.g. eve/e1)');
    expect(counts.problems).toContain(
      'bob: received ids the server does not hold: 1 (e.g. 10 eve/e2)',
    );
  });

  it('finds a client whose messages end in another state than the server holds', () => {
    // Ann edited a1 (entry 4); bob missed nothing but shows it unedited: his copy of the entry
    // names another text than the server stored.
    const edit: ChatMessage = {
      ...message(4, 'ann', 'e1'),
      text: '',
      change: { kind: 'edit', target: 1, text: 'edited' },
    };
    const storedA1: ChatMessage = {
      ...a1,
      text: 'edited',
      edits: [{ text: a1.text, replacedAt: edit.sentAt, entry: 4 }],
      editedAt: edit.sentAt,
      revision: 4,
    };
    const logs = run((logs) => {
      logs.posted.push({ author: 'ann', clientId: 'e1' });
      logs.clientLogs[0]!.messages.push(edit);
      logs.clientLogs[1]!.messages.push({
        ...edit,
        change: { ...edit.change!, text: 'other' } as never,
      });
      logs.stored = [storedA1, b1, a2, edit];
    });
    expect(verifyChaos(logs).problems).toEqual([
      "bob: messages whose final state differs from the server's, ids: 1 (e.g. 1)",
    ]);
  });

  it('judges final states by their fields, not the order of their keys (jsonb reorders them)', () => {
    // As PostgreSQL's jsonb hands back a stored message: the same fields, in another order.
    const reordered = Object.fromEntries(Object.entries(a1).reverse()) as unknown as ChatMessage;
    expect(verifyChaos(run((logs) => (logs.stored = [reordered, b1, a2]))).problems).toEqual([]);
  });
});
