/** LeaveConfirm over a real ComposerState (its drafts): asks only when a draft would be lost. */
import { describe, expect, it, vi } from 'vitest';
import type { ParleyApi } from '../../../shared/api';
import { ok } from '../../../shared/result';
import { ComposerState } from './composer-state.svelte';
import { LeaveConfirm } from './leave-confirm.svelte';

function setup() {
  const chat = { setTyping: async () => ok({}) } as unknown as ParleyApi['chat'];
  const composer = new ComposerState(chat);
  const leaveRoom = vi.fn(async (room: string) => void room);
  const disconnect = vi.fn(async () => {});
  const confirm = new LeaveConfirm({
    roomsWithDrafts: () => composer.roomsWithDrafts,
    leaveRoom,
    disconnect,
  });
  return { composer, confirm, leaveRoom, disconnect };
}

describe('LeaveConfirm', () => {
  it('leaves a room at once when nothing is written for it', async () => {
    const { composer, confirm, leaveRoom } = setup();
    composer.switchRoom('r-design');
    composer.text = '   ';
    await confirm.leaveRoom('r-design', 'Design');
    expect(leaveRoom).toHaveBeenCalledWith('r-design');
    expect(confirm.asking).toBeNull();
  });

  it('asks before leaving a room with a draft, on screen or kept', async () => {
    const { composer, confirm, leaveRoom } = setup();
    composer.switchRoom('r-design');
    composer.text = 'half a thought';
    await confirm.leaveRoom('r-design', 'Design');
    expect(confirm.asking).toEqual({ kind: 'room', room: 'r-design', name: 'Design' });
    expect(leaveRoom).not.toHaveBeenCalled();
    confirm.cancel();
    expect(confirm.asking).toBeNull();

    // Kept while another room is on screen: still asked about.
    composer.switchRoom('lobby');
    await confirm.leaveRoom('r-design', 'Design');
    expect(confirm.asking?.kind).toBe('room');
    await confirm.confirm();
    expect(leaveRoom).toHaveBeenCalledWith('r-design');
    expect(confirm.asking).toBeNull();
  });

  it('asks before disconnecting while any room has a draft', async () => {
    const { composer, confirm, disconnect } = setup();
    await confirm.disconnect();
    expect(disconnect).toHaveBeenCalledTimes(1);

    composer.text = 'for the lobby';
    composer.switchRoom('r-design');
    composer.text = 'for design';
    await confirm.disconnect();
    expect(confirm.asking).toEqual({ kind: 'server', drafts: 2 });
    expect(disconnect).toHaveBeenCalledTimes(1);
    await confirm.confirm();
    expect(disconnect).toHaveBeenCalledTimes(2);
  });
});
