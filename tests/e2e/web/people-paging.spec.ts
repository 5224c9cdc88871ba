// A crowd larger than a join lists, in Chromium against a real `parley serve` that lists 2
// people per join (`--people-page 2`) instead of 100: the others join over the wire protocol, so
// the test needs one browser. The heading counts everyone, "Show all N people" lists the rest,
// @mentions find someone not listed yet by asking the server, and joins and leaves keep the count.
import { expect, test } from '../support/fixtures';
import { connectWriter } from '../support/wire';

test('a crowd: the count, @mentions of people not listed, "Show all", then joins and leaves', async ({
  startServer,
  openChatAt,
}) => {
  const server = await startServer({ args: ['--people-page', '2'] });
  const crowd = [];
  for (const name of ['ann', 'ben', 'cal', 'dee', 'zoe']) {
    crowd.push(await connectWriter(server, name));
  }
  const alice = await openChatAt(server.url);
  await alice.join('alice');
  const people = alice.peopleOnline.getByRole('listitem');
  // ann, the first to come, and alice (you): 2 of the 6.
  await expect(people).toHaveCount(2);
  await expect(alice.person('ann')).toBeVisible();
  await expect(alice.page.getByRole('heading', { name: 'Online 6' })).toBeVisible();
  await expect(alice.page.getByText('2 of 6 listed')).toBeVisible();

  // zoe is not listed: the suggestions ask the server.
  await alice.composer.pressSequentially('hi @zo');
  const options = alice.page
    .getByRole('listbox', { name: 'People to mention', exact: true })
    .getByRole('option');
  await expect(options).toHaveText(['@zoe']);
  await alice.composer.press('Tab');
  await expect(alice.composer).toHaveValue('hi @zoe ');

  const showAll = alice.page.getByRole('button', { name: 'Show all 6 people' });
  await showAll.focus();
  await alice.page.keyboard.press('Enter');
  await expect(people).toHaveText([/ann/, /ben/, /cal/, /dee/, /zoe/, /alice/]);
  await expect(showAll).toBeHidden();
  await expect(alice.peopleOnline).toBeFocused();
  await expect(alice.page.getByRole('heading', { name: 'Online 6' })).toBeVisible();

  const eve = await connectWriter(server, 'eve');
  await expect(alice.person('eve')).toBeVisible();
  await expect(alice.page.getByRole('heading', { name: 'Online 7' })).toBeVisible();
  crowd[1]!.disconnect();
  await expect(alice.person('ben')).toBeHidden();
  await expect(alice.page.getByRole('heading', { name: 'Online 6' })).toBeVisible();
  eve.disconnect();
  for (const socket of crowd) socket.disconnect();
});
