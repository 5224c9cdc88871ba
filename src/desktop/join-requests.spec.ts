import { describe, expect, it } from 'vitest';
import type { JoinRequest } from '../shared/api';
import { buildJoinLink } from '../shared/join-link';
import { JoinRequests } from './join-requests';

const LINK = buildJoinLink('http://10.0.0.2:4321');
const OTHER = buildJoinLink('http://10.0.0.3:4321');

describe('JoinRequests', () => {
  it('holds a link that arrives before the page, and delivers it once when the page subscribes', () => {
    const delivered: JoinRequest[] = [];
    const requests = new JoinRequests((request) => delivered.push(request));
    expect(requests.offer(LINK)).toMatchObject({ ok: true });
    requests.offer(LINK);
    requests.offer(OTHER);
    expect(delivered).toEqual([]);

    requests.ready();
    expect(delivered).toEqual([
      { link: LINK, url: 'http://10.0.0.2:4321', secure: false, fingerprint: null },
      { link: OTHER, url: 'http://10.0.0.3:4321', secure: false, fingerprint: null },
    ]);
    requests.ready();
    expect(delivered).toHaveLength(2);
  });

  it('delivers at once while the page listens, and holds again while it reloads', () => {
    const delivered: string[] = [];
    const requests = new JoinRequests((request) => delivered.push(request.url));
    requests.ready();
    requests.offer(LINK);
    expect(delivered).toEqual(['http://10.0.0.2:4321']);
    requests.reset();
    requests.offer(OTHER);
    expect(delivered).toHaveLength(1);
    requests.ready();
    expect(delivered).toEqual(['http://10.0.0.2:4321', 'http://10.0.0.3:4321']);
  });

  it('never passes on a link that is not a join link', () => {
    const delivered: JoinRequest[] = [];
    const requests = new JoinRequests((request) => delivered.push(request));
    requests.ready();
    expect(requests.offer('parley://join?url=javascript%3Aalert(1)')).toMatchObject({
      ok: false,
      error: { code: 'invalid_url' },
    });
    expect(requests.offer('https://evil.example')).toMatchObject({ ok: false });
    expect(delivered).toEqual([]);
  });
});
