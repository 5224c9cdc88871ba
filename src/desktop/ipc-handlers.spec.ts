import { describe, expect, it, vi } from 'vitest';
import type { FileTransfers } from '../client/file-transfers';
import { type HostingStatus } from '../shared/api';
import { IPC_CHANNELS, IPC_REQUESTS, type IpcChannel } from '../shared/ipc-contract';
import { ok } from '../shared/result';
import { DEFAULT_SETTINGS } from '../shared/settings';
import {
  createIpcHandlers,
  ipcDispatcher,
  type IpcDependencies,
  type IpcHandlers,
} from './ipc-handlers';

const STATUS: HostingStatus = { running: false, port: null, urls: [] };
const FILE = { id: 'a'.repeat(64), name: 'notes.txt', size: 5, type: 'text/plain' };

/** Dependencies that fail the test when touched, unless a test gives its own. */
function dependencies(overrides: Partial<IpcDependencies> = {}): IpcDependencies {
  const untouchable = (name: string) =>
    new Proxy(
      {},
      {
        get: (_target, key) => {
          throw new Error(`${name}.${String(key)} was used`);
        },
      },
    );
  return {
    hosting: untouchable('hosting') as IpcDependencies['hosting'],
    chat: untouchable('chat') as IpcDependencies['chat'],
    rooms: () => {
      throw new Error('rooms was used');
    },
    servers: untouchable('servers') as IpcDependencies['servers'],
    links: untouchable('links') as IpcDependencies['links'],
    diagnostics: () => {
      throw new Error('diagnostics was used');
    },
    desktop: untouchable('desktop') as IpcDependencies['desktop'],
    settings: untouchable('settings') as IpcDependencies['settings'],
    files: untouchable('files') as FileTransfers,
    chooseSavePath: () => {
      throw new Error('chooseSavePath was used');
    },
    ...overrides,
  };
}

function serve(overrides: Partial<IpcDependencies> = {}, onError = vi.fn()) {
  return ipcDispatcher(createIpcHandlers(dependencies(overrides)), onError);
}

describe('the IPC handlers', () => {
  it('serve every channel of the table, and nothing else', () => {
    expect(Object.keys(createIpcHandlers(dependencies())).sort()).toEqual(
      Object.keys(IPC_REQUESTS).sort(),
    );
    expect([...IPC_CHANNELS].sort()).toEqual(Object.keys(IPC_REQUESTS).sort());
  });

  it.each(IPC_CHANNELS)(
    '%s refuses arguments of the wrong kind before anything runs',
    async (channel) => {
      const onError = vi.fn();
      // NaN is no string, boolean, object or count; a channel without arguments takes none.
      const reply = await serve({}, onError)(channel, [Number.NaN]);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
      expect(onError).not.toHaveBeenCalled();
    },
  );

  it('passes checked arguments and the reply through', async () => {
    const start = vi.fn(async () => ok({ status: { ...STATUS, running: true, port: 4321 } }));
    const hosting = { start, status: () => STATUS } as unknown as IpcDependencies['hosting'];
    const dispatch = serve({ hosting });
    await expect(dispatch('hosting:status', [])).resolves.toEqual({ ok: true, status: STATUS });
    const reply = await dispatch('hosting:start', [{ port: 4321, roomName: 'Lab', extra: 1 }]);
    expect(reply).toMatchObject({ ok: true, status: { port: 4321 } });
    // Unknown fields do not reach the service.
    expect(start).toHaveBeenCalledWith({ port: 4321, roomName: 'Lab' });
  });

  it('says what is wrong, in the words of the argument at fault', async () => {
    const dispatch = serve();
    await expect(dispatch('hosting:start', [{ port: 70_000 }])).resolves.toEqual({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: 'The port must be a whole number from 0 to 65535.',
      },
    });
    await expect(dispatch('settings:update', [{ bogus: true }])).resolves.toMatchObject({
      error: { code: 'invalid_payload', message: 'Unknown field(s): bogus.' },
    });
    await expect(dispatch('desktop:set-unread', [-1])).resolves.toMatchObject({
      error: { message: 'The unread count cannot be negative.' },
    });
    await expect(dispatch('chat:connect', ['http://x', undefined])).resolves.toMatchObject({
      error: { code: 'invalid_payload', message: 'Nickname must be text.' },
    });
    await expect(dispatch('chat:connect', ['http://x'])).resolves.toMatchObject({
      error: { code: 'invalid_payload', message: 'Wrong number of arguments (1).' },
    });
    await expect(dispatch('hosting:stop', ['surprise'])).resolves.toMatchObject({
      error: { code: 'invalid_payload', message: 'Wrong number of arguments (1).' },
    });
  });

  it('gives the chat client join options without empty fields', async () => {
    const connect = vi.fn(async () => ({ ok: false, error: { code: 'unreachable', message: '' } }));
    const chat = { connect } as unknown as IpcDependencies['chat'];
    const dispatch = serve({ chat });
    await dispatch('chat:connect', [
      'http://a',
      'ann',
      { passphrase: undefined, fingerprint: null },
    ]);
    await dispatch('chat:connect', ['http://a', 'ann']);
    await dispatch('chat:connect', ['http://a', 'ann', { passphrase: 'pw', fingerprint: 'AB' }]);
    expect(connect.mock.calls).toEqual([
      ['http://a', 'ann', {}],
      ['http://a', 'ann', {}],
      ['http://a', 'ann', { passphrase: 'pw', fingerprint: 'AB' }],
    ]);
  });

  it('saves a file under a sanitized name, and not at all when the person cancels', async () => {
    const chooseSavePath = vi.fn(async () => null);
    const dispatch = serve({ chooseSavePath });
    const reply = await dispatch('files:save', [{ ...FILE, name: '../../etc/passwd' }, 't-1']);
    expect(reply).toEqual({ ok: true, saved: false });
    expect(chooseSavePath).toHaveBeenCalledWith(expect.not.stringMatching(/[/\\]/));
  });

  it('answers `internal` when a handler throws, and reports the error', async () => {
    const onError = vi.fn();
    const settings = {
      get: () => DEFAULT_SETTINGS,
      update: () => {
        throw new Error('disk on fire');
      },
    } as unknown as IpcDependencies['settings'];
    const dispatch = serve({ settings }, onError);
    await expect(dispatch('settings:get', [])).resolves.toEqual({
      ok: true,
      settings: DEFAULT_SETTINGS,
    });
    await expect(dispatch('settings:update', [{ nickname: 'ann' }])).resolves.toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
    expect(onError).toHaveBeenCalledWith(new Error('disk on fire'));
  });

  it('does not compile with a wrong reply or a missing handler (npm run typecheck checks this)', () => {
    const handlers = createIpcHandlers(dependencies());
    const wrongReply: IpcHandlers = {
      ...handlers,
      // @ts-expect-error: hosting:status replies { status }, not { stat }.
      'hosting:status': () => ok({ stat: 42 }),
    };
    const { 'hosting:status': _left, ...others } = handlers;
    // @ts-expect-error: every channel of the table needs its handler.
    const missing: IpcHandlers = others;
    // @ts-expect-error: a channel that is not in the table.
    const unknown: IpcChannel = 'hosting:explode';
    expect([wrongReply, missing, unknown]).toHaveLength(3);
  });
});
