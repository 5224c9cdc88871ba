// Rooms that are bounded and can end, in the web client against a real `parley serve`: a server
// with more rooms than the join lists (the rest found with "Find a room"), and deleting a room
// from the room list, by keyboard, after a confirmation (the browser is on the server's own
// machine: the host, who may delete any room). Someone in the room over the wire is told.
import type { Socket } from 'socket.io-client';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom } from '../support/wire';

/** Resolves with the next `room:deleted` the socket receives. */
function nextDeleted(socket: Socket): Promise<{ room: string; roomCount: number }> {
  return new Promise((resolve) => socket.once('room:deleted', resolve));
}

test('finds a room the join did not list, and deletes a room after confirming, by keyboard', async ({
  openChat,
  server,
}) => {
  test.slow();
  // 60 rooms, from three connections (each may make 30 room requests per 10 s).
  const writers = await Promise.all(
    ['writer-a', 'writer-b', 'writer-c'].map((nickname) => connectWriter(server, nickname)),
  );
  await Promise.all(
    writers.map(async (writer, w) => {
      for (let n = 0; n < 10; n++) await createRoom(writer, `Room ${w}${n}`);
    }),
  );
  // Not joined by anyone: not among the busiest.
  for (const [w, writer] of writers.entries()) {
    for (let n = 0; n < 10; n++) {
      await writer.timeout(15_000).emitWithAck('room:create', { name: `Quiet ${w}${n}` });
    }
  }

  const alice = await openChat();
  await alice.join('alice');
  // The join lists 50 rooms (the lobby included) of 61.
  const find = alice.roomNav.getByRole('button', { name: /^Find a room/ });
  await expect(find).toHaveText(/11 more/);

  await find.click();
  const finder = alice.page.getByRole('dialog', { name: 'Find a room', exact: true });
  await expect(finder.getByText('61 rooms')).toBeVisible();
  await finder.getByLabel('Room name', { exact: true }).fill('quiet 27');
  await alice.page.keyboard.press('Enter');
  await expect(finder.getByText('1 room', { exact: true })).toBeVisible();
  await finder.getByRole('button', { name: 'Join Quiet 27', exact: true }).click();
  await expect(finder).toBeHidden();
  await expect(alice.roomHeading('Quiet 27')).toBeVisible();

  // Alice makes a room; bob is in it, over the wire.
  await expect(await alice.createRoom('Design')).toBeHidden();
  await expect(alice.roomHeading('Design')).toBeVisible();
  const bob = await connectWriter(server, 'bob');
  const design = await (async () => {
    const page = (await bob.timeout(15_000).emitWithAck('room:list', { search: 'Design' })) as {
      rooms: Array<{ id: string }>;
    };
    return page.rooms[0]!.id;
  })();
  expect((await bob.timeout(15_000).emitWithAck('room:join', { room: design })).ok).toBe(true);

  // The control, by role and name; keyboard only. Cancel keeps the room.
  const remove = alice.roomNav.getByRole('button', { name: 'Delete room Design', exact: true });
  await remove.focus();
  await alice.page.keyboard.press('Enter');
  const confirm = alice.page.getByRole('dialog', { name: 'Delete the room?', exact: true });
  await expect(confirm).toContainText('Delete Design?');
  await confirm.getByRole('button', { name: 'Cancel', exact: true }).focus();
  await alice.page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(alice.roomButton('Design')).toBeVisible();

  const told = nextDeleted(bob);
  await remove.focus();
  await alice.page.keyboard.press('Enter');
  await confirm.getByRole('button', { name: 'Delete room', exact: true }).focus();
  await alice.page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  // 61 rooms and Design, less Design.
  expect(await told).toEqual({ room: design, roomCount: 61 });
  await expect(alice.roomButton('Design')).toHaveCount(0);
  // The room on screen is gone: the lobby is shown.
  await expect(alice.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
  // The lobby has no delete control.
  await expect(
    alice.roomNav.getByRole('button', { name: 'Delete room Lobby', exact: true }),
  ).toHaveCount(0);

  for (const socket of [...writers, bob]) socket.disconnect();
});
