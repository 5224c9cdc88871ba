/** `GET /server-info.json` on a real server: its name and protocol, before anyone joins. */
import { describe, expect, it } from 'vitest';
import { startServer, urlOf } from '../../tests/support/chat';
import { PROTOCOL_VERSION } from '../shared/limits';
import { serverInfoSchema } from '../shared/server-info';

describe('server info', () => {
  it("answers the server's name and protocol, uncached", async () => {
    const server = await startServer({ serverName: 'Design studio' });
    const response = await fetch(`${urlOf(server)}/server-info.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(serverInfoSchema.parse(await response.json())).toEqual({
      name: 'Design studio',
      protocol: PROTOCOL_VERSION,
    });
  });

  it('answers nothing but GET and HEAD there', async () => {
    const server = await startServer({ serverName: 'Design studio' });
    const head = await fetch(`${urlOf(server)}/server-info.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${urlOf(server)}/server-info.json`, { method: 'POST' });
    expect(post.status).not.toBe(200);
  });
});
