/**
 * The dialogs' state classes (create room, passphrase, join link, remove person, rename and
 * release a name, the people list's moderation): what each one
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
import { PeopleModeration } from './people-moderation.svelte';
import { PersonNameDialog } from './person-name-dialog.svelte';
import { REMOVAL_CHOICES, RemovePersonDialog } from './remove-person-dialog.svelte';

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
  it('removes for the time chosen, stays open with the reason when refused, closes once it worked', async () => {
    const moderate = vi
      .fn()
      .mockResolvedValueOnce(fail('not_allowed', 'An admin cannot be removed.'))
      .mockResolvedValueOnce(ok({ user: bob }));
    const dialog = new RemovePersonDialog(moderate);
    dialog.ask(bob);
    expect(dialog.minutes).toBe(REMOVAL_CHOICES[0].minutes);
    dialog.minutes = 60;
    await dialog.confirm();
    expect(dialog.error).toBe('An admin cannot be removed.');
    expect(dialog.person).toEqual(bob);
    await dialog.confirm();
    expect(moderate).toHaveBeenLastCalledWith({ action: 'remove', userId: bob.id, minutes: 60 });
    expect(dialog.person).toBeNull();
    // Asked again: the default time again.
    dialog.ask(bob);
    expect(dialog.minutes).toBe(REMOVAL_CHOICES[0].minutes);
  });
});

describe('PersonNameDialog', () => {
  it('renames: refuses an empty name unasked, shows the server refusal, closes when done', async () => {
    const moderate = vi
      .fn()
      .mockResolvedValueOnce(fail('nickname_taken', '"carol" is in use: choose another name.'))
      .mockResolvedValueOnce(ok({ user: { ...bob, nickname: 'Robert' } }));
    const dialog = new PersonNameDialog(moderate);
    dialog.rename(bob);
    expect(dialog.nickname).toBe(bob.nickname);
    dialog.nickname = '  ';
    await dialog.submit();
    expect(dialog.error).toBe('Nickname cannot be empty.');
    expect(moderate).not.toHaveBeenCalled();
    dialog.nickname = 'carol';
    await dialog.submit();
    expect(dialog.error).toBe('"carol" is in use: choose another name.');
    expect(dialog.mode).toEqual({ kind: 'rename', person: bob });
    dialog.nickname = 'Robert';
    await dialog.submit();
    expect(moderate).toHaveBeenLastCalledWith({
      action: 'rename',
      userId: bob.id,
      nickname: 'Robert',
    });
    expect(dialog.mode).toBeNull();
    expect(dialog.done).toBe(`${bob.nickname} is now called Robert.`);
  });

  it('releases a name', async () => {
    const moderate = vi.fn().mockResolvedValue(ok({ released: 'dave' }));
    const dialog = new PersonNameDialog(moderate);
    dialog.release();
    expect(dialog.mode).toEqual({ kind: 'release' });
    dialog.nickname = 'DAVE';
    await dialog.submit();
    expect(moderate).toHaveBeenCalledWith({ action: 'release-name', nickname: 'DAVE' });
    expect(dialog.done).toBe('The name "dave" is free again.');
    expect(dialog.mode).toBeNull();
  });
});

describe('PeopleModeration', () => {
  it('asks before removing, opens the name dialogs, and keeps a refused role change to show', async () => {
    const moderate = vi
      .fn()
      .mockResolvedValueOnce(fail('not_allowed', 'Only the host or an admin can make moderators.'))
      .mockResolvedValueOnce(ok({ user: { ...bob, role: 'moderator' } }));
    const removal = new RemovePersonDialog(moderate);
    const names = new PersonNameDialog(moderate);
    const people = new PeopleModeration(moderate, removal, names);
    people.remove(bob);
    expect(removal.person).toEqual(bob);
    expect(moderate).not.toHaveBeenCalled();
    await people.setRole(bob, 'moderator');
    expect(people.error).toBe('Only the host or an admin can make moderators.');
    await people.setRole(bob, 'moderator');
    expect(moderate).toHaveBeenLastCalledWith({
      action: 'set-role',
      userId: bob.id,
      role: 'moderator',
    });
    expect(people.error).toBeNull();
    people.rename(bob);
    expect(names.mode).toEqual({ kind: 'rename', person: bob });
    people.release();
    expect(names.mode).toEqual({ kind: 'release' });
  });
});
