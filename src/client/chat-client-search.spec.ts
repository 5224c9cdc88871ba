/** ChatClient.search against a real server. */
import { describe, expect, it } from 'vitest';
import { client, startServer, urlOf } from '../../tests/support/chat';

describe('ChatClient.search', () => {
  it('finds what was sent, checks the query before sending it, and needs a server', async () => {
    const server = await startServer();
    const alice = client();
    expect(await alice.search({ text: 'anything' })).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
    await alice.connect(urlOf(server), 'alice');
    expect((await alice.send('Naïve question about the roadmap')).ok).toBe(true);

    const found = await alice.search({ text: 'naive road' });
    if (!found.ok) throw new Error(found.error.message);
    expect(found.results.map((result) => result.message.text)).toEqual([
      'Naïve question about the roadmap',
    ]);
    expect(found.results[0]!.snippet.matches).toHaveLength(2);
    expect(await alice.search({ text: '…' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: 'text needs at least one letter or digit.' },
    });
  });
});
