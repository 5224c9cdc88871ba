/**
 * The dialogs' state classes (create room, passphrase, join link, remove person): what each one
 * refuses, what it hands to its owner, and when it closes. Plain functions stand in for
 * window.parley and for the owner's flows.
 */
import { describe, expect, it, vi } from 'vitest';
import type { JoinRequest } from '../../../shared/api';
import { fail, ok } from '../../../shared/result';
import { bob, joinedRoom } from './chat-fixtures';
import { CreateRoomDialog } from './create-room-dialog.svelte';
import { JoinRequestDialog } from './join-request-dialog.svelte';
import { PassphraseDialog, type PassphraseRequest } from './passphrase-dialog.svelte';
import { RemovePersonDialog } from './remove-person-dialog.svelte';

const design = { id: 'r-design', kind: 'room' as const, name: 'Design', members: 0 };

describe('CreateRoomDialog', () => {
  it('explains a name it cannot use, and asks the server nothing', async () => {
    const chat = { createRoom: vi.fn(), joinRoom: vi.fn() };
    const dialog = new CreateRoomDialog(chat, () => {});
    dialog.show();
    dialog.name = '   ';
    await dialog.create();
    expect(dialog.error).toBe('Room name cannot be empty.');
    expect(chat.createRoom).not.toHaveBeenCalled();
    expect(dialog.open).toBe(true);
  });

  it('creates the room, joins it, closes and hands it over to be shown', async () => {
    const chat = {
      createRoom: vi.fn(async () => ok({ room: design })),
      joinRoom: vi.fn(async () => ok({ joined: joinedRoom(design) })),
    };
    const onjoined = vi.fn();
    const dialog = new CreateRoomDialog(chat, onjoined);
    dialog.show();
    dialog.name = ' Design ';
    await dialog.create();
    expect(chat.createRoom).toHaveBeenCalledWith('Design');
    expect(chat.joinRoom).toHaveBeenCalledWith('r-design');
    expect(onjoined).toHaveBeenCalledWith('r-design');
    expect(dialog.open).toBe(false);
  });

  it("keeps the server's refusal under the field", async () => {
    const chat = {
      createRoom: vi.fn(async () => fail('room_exists', 'A room called Design exists.')),
      joinRoom: vi.fn(),
    };
    const dialog = new CreateRoomDialog(chat, () => {});
    dialog.show();
    dialog.name = 'Design';
    await dialog.create();
    expect(dialog.error).toBe('A room called Design exists.');
    expect(dialog.open).toBe(true);
  });
});

describe('PassphraseDialog', () => {
  const request: PassphraseRequest = {
    url: 'http://127.0.0.1:4321',
    nickname: 'alice',
    section: 'join',
    ownRoom: false,
    fingerprint: null,
    error: null,
  };

  it('asks for a passphrase before it tries, and waits while another join runs', async () => {
    let busy = false;
    const onsubmit = vi.fn(async () => {});
    const dialog = new PassphraseDialog({ busy: () => busy, onsubmit });
    dialog.ask(request);
    await dialog.submit();
    expect(dialog.request?.error).toBe('Enter the passphrase.');
    dialog.passphrase = 'open sesame';
    busy = true;
    await dialog.submit();
    expect(onsubmit).not.toHaveBeenCalled();
    busy = false;
    await dialog.submit();
    expect(onsubmit).toHaveBeenCalledWith(
      { ...request, error: 'Enter the passphrase.' },
      'open sesame',
    );
  });

  it('forgets the passphrase on Cancel, keeps it when closed for another reason', () => {
    const dialog = new PassphraseDialog({ busy: () => false, onsubmit: async () => {} });
    dialog.ask(request);
    dialog.passphrase = 'typed';
    dialog.close();
    expect(dialog.request).toBeNull();
    expect(dialog.passphrase).toBe('typed');
    dialog.ask(request);
    dialog.cancel();
    expect(dialog.passphrase).toBe('');
  });
});

describe('JoinRequestDialog', () => {
  const link: JoinRequest = {
    link: 'parley://join?url=http%3A%2F%2F10.0.0.2%3A4321',
    url: 'http://10.0.0.2:4321',
    secure: false,
    fingerprint: null,
  };

  /** A dialog fed one join link, with the nickname field holding `nickname`. */
  function opened(nickname: string) {
    let deliver!: (request: JoinRequest) => void;
    const links = {
      onJoinRequest: (listener: (request: JoinRequest) => void) => {
        deliver = listener;
        return () => {};
      },
    };
    const onconfirm = vi.fn(async () => {});
    const dialog = new JoinRequestDialog(links, {
      nickname: () => nickname,
      busy: () => false,
      onconfirm,
    });
    dialog.start();
    deliver(link);
    return { dialog, onconfirm };
  }

  it('needs a valid nickname before it joins', async () => {
    const { dialog, onconfirm } = opened('');
    await dialog.confirm();
    expect(dialog.error).toBe('Nickname cannot be empty.');
    expect(dialog.request).toEqual(link);
    expect(onconfirm).not.toHaveBeenCalled();
  });

  it('closes and hands the link over on Join', async () => {
    const { dialog, onconfirm } = opened('alice');
    await dialog.confirm();
    expect(onconfirm).toHaveBeenCalledWith(link);
    expect(dialog.request).toBeNull();
  });
});

describe('RemovePersonDialog', () => {
  it('stays open with the reason when removing fails, and closes once it worked', async () => {
    const kick = vi
      .fn()
      .mockResolvedValueOnce(fail('not_connected', 'The room is not running.'))
      .mockResolvedValueOnce(ok({}));
    const dialog = new RemovePersonDialog(kick);
    dialog.ask(bob);
    await dialog.confirm();
    expect(dialog.error).toBe('The room is not running.');
    expect(dialog.person).toEqual(bob);
    await dialog.confirm();
    expect(kick).toHaveBeenLastCalledWith(bob.id);
    expect(dialog.person).toBeNull();
  });
});
