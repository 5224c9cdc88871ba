// Files wait like text (issue 15): a file chosen while the server is away waits in the browser,
// says so, and goes once when the connection is back — or is cancelled while it waits.
import type { ChatPage } from '../support/chat-page';
import { expect, test, type ChatFixtures } from '../support/fixtures';

function attach(chat: ChatPage) {
  return chat.page.getByLabel('Attach file', { exact: true });
}

function upload(chat: ChatPage, name: string) {
  return chat.page
    .getByRole('list', { name: 'Files being sent', exact: true })
    .getByRole('listitem')
    .filter({ hasText: name });
}

/**
 * alice and bob joined; then the server stops (its data kept) and alice picks `name` while it is
 * away. Returns the two, the file's row (saying it waits) and how to start the server again.
 */
async function fileWhileAway(
  { openChat, server, startServer }: Pick<ChatFixtures, 'openChat' | 'server' | 'startServer'>,
  name: string,
  content: string,
) {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const port = Number(new URL(server.url).port);

  await server.stop({ keepData: true });
  await expect(alice.connectionBanner).toContainText('Reconnecting…');
  await attach(alice).setInputFiles({
    name,
    mimeType: 'text/plain',
    buffer: Buffer.from(content),
  });
  const waiting = upload(alice, name);
  await expect(waiting).toContainText('Waiting for the connection…');
  const restart = async () => {
    await startServer({ port, dataDir: server.dataDir });
    await expect(alice.connectionBanner).toHaveCount(0);
  };
  return { alice, bob, waiting, restart };
}

test('a file chosen while disconnected waits, and is delivered once when the server is back', async ({
  openChat,
  server,
  startServer,
}) => {
  const { alice, bob, waiting, restart } = await fileWhileAway(
    { openChat, server, startServer },
    'minutes.txt',
    'Minutes of the meeting',
  );
  await expect(
    waiting.getByRole('button', { name: 'Cancel sending minutes.txt', exact: true }),
  ).toBeVisible();
  await expect(alice.page.getByRole('alert')).toHaveCount(0);

  await restart();
  await expect(waiting).toHaveCount(0);
  for (const chat of [alice, bob]) {
    await expect(chat.entry('minutes.txt')).toHaveCount(1);
    await expect(chat.entry('minutes.txt')).toContainText('text/plain');
  }
  // Once, also for someone who comes later and reads the history.
  const carol = await openChat();
  await carol.join('carol');
  await expect(carol.entry('minutes.txt')).toHaveCount(1);
});

test('a waiting file can be cancelled: it never goes', async ({
  openChat,
  server,
  startServer,
}) => {
  const { alice, bob, waiting, restart } = await fileWhileAway(
    { openChat, server, startServer },
    'draft.txt',
    'not for sending',
  );
  await waiting.getByRole('button', { name: 'Cancel sending draft.txt', exact: true }).click();
  await expect(waiting).toHaveCount(0);

  await restart();
  // A file chosen after it goes, and the cancelled one is not with it.
  await attach(alice).setInputFiles({
    name: 'final.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('for sending'),
  });
  await expect(bob.entry('final.txt')).toHaveCount(1);
  await expect(bob.entry('draft.txt')).toHaveCount(0);
  await expect(alice.entry('draft.txt')).toHaveCount(0);
});
