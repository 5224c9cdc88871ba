/**
 * The dialogs for many rooms and for ending one (Find a room, Delete room): what each one asks
 * the server, what it shows of the answer, and when it closes. Plain functions stand in for
 * window.parley (the server side is tested in src/server/room-limits.spec.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import type { RoomListQuery } from '../../../shared/api';
import type { RoomInfo, RoomPage } from '../../../shared/protocol';
import { fail, ok, type Result } from '../../../shared/result';
import { joinedRoom } from './chat-fixtures';
import { DeleteRoomDialog } from './delete-room-dialog.svelte';
import { FindRoomDialog } from './find-room-dialog.svelte';

const room = (n: number): RoomInfo => ({
  id: `r-${n}`,
  kind: 'room',
  name: `Room ${n}`,
  members: 0,
});

describe('FindRoomDialog', () => {
  it('lists the first page, then the next one after it; a search starts again', async () => {
    const listRooms = vi.fn(async (query: RoomListQuery): Promise<Result<RoomPage>> =>
      query.search
        ? ok({ rooms: [room(7)], total: 1, hasMore: false })
        : ok({
            rooms: [room((query.offset ?? 0) + 1), room((query.offset ?? 0) + 2)],
            total: 4,
            hasMore: (query.offset ?? 0) === 0,
          }),
    );
    const dialog = new FindRoomDialog({ listRooms, joinRoom: vi.fn() }, () => {});
    dialog.show();
    await vi.waitFor(() => expect(dialog.rooms).toHaveLength(2));
    expect(dialog).toMatchObject({ total: 4, hasMore: true });
    await dialog.find(true);
    expect(listRooms).toHaveBeenLastCalledWith({ offset: 2 });
    expect(dialog.rooms.map((found) => found.name)).toEqual([
      'Room 1',
      'Room 2',
      'Room 3',
      'Room 4',
    ]);
    expect(dialog.hasMore).toBe(false);

    dialog.search = '  room 7 ';
    await dialog.find();
    expect(listRooms).toHaveBeenLastCalledWith({ search: 'room 7', offset: 0 });
    expect(dialog.rooms.map((found) => found.name)).toEqual(['Room 7']);
  });

  it('keeps only the answer to the latest search', async () => {
    let answerFirst: (page: Result<RoomPage>) => void = () => {};
    const listRooms = vi
      .fn<(query: RoomListQuery) => Promise<Result<RoomPage>>>()
      .mockImplementationOnce(() => new Promise((resolve) => (answerFirst = resolve)))
      .mockImplementationOnce(async () => ok({ rooms: [room(2)], total: 1, hasMore: false }));
    const dialog = new FindRoomDialog({ listRooms, joinRoom: vi.fn() }, () => {});
    dialog.show();
    dialog.search = 'two';
    await dialog.find();
    answerFirst(ok({ rooms: [room(1)], total: 1, hasMore: false }));
    await vi.waitFor(() => expect(dialog.loading).toBe(false));
    expect(dialog.rooms.map((found) => found.id)).toEqual(['r-2']);
  });

  it('joins the chosen room and hands it over; a refusal stays in the dialog', async () => {
    const joinRoom = vi
      .fn()
      .mockResolvedValueOnce(fail('unknown_room', 'There is no such room.'))
      .mockResolvedValueOnce(ok({ joined: joinedRoom(room(3)) }));
    const onjoined = vi.fn();
    const listRooms = vi.fn(async () => ok({ rooms: [room(3)], total: 1, hasMore: false }));
    const dialog = new FindRoomDialog({ listRooms, joinRoom }, onjoined);
    dialog.show();
    await dialog.join('r-3');
    expect(dialog.error).toBe('There is no such room.');
    expect(dialog.open).toBe(true);
    await dialog.join('r-3');
    expect(onjoined).toHaveBeenCalledWith('r-3');
    expect(dialog.open).toBe(false);
  });
});

describe('DeleteRoomDialog', () => {
  it('asks the server to delete the room; a refusal is shown and the dialog stays', async () => {
    const deleteRoom = vi
      .fn()
      .mockResolvedValueOnce(fail('not_allowed', 'Only the person who made this room can.'))
      .mockResolvedValueOnce(ok({}));
    const dialog = new DeleteRoomDialog(deleteRoom);
    dialog.ask({ id: 'r-1', name: 'Design' });
    await dialog.confirm();
    expect(deleteRoom).toHaveBeenCalledWith('r-1');
    expect(dialog.error).toBe('Only the person who made this room can.');
    expect(dialog.room).toEqual({ id: 'r-1', name: 'Design' });
    await dialog.confirm();
    expect(dialog.room).toBeNull();

    dialog.ask({ id: 'r-2', name: 'Ops' });
    dialog.cancel();
    expect(dialog.room).toBeNull();
    expect(deleteRoom).toHaveBeenCalledTimes(2);
  });
});
