// The web client on a phone (issue 15): below 700 px wide the conversation takes the screen, the
// rooms and the people open as drawers (by touch and by keyboard), the composer stays in view
// with the on-screen keyboard open, and every control is a finger's size. Real Chromium as a phone
// (mobile viewport, touch) against a real `parley serve`; and the desktop layout as it was.
import type { Locator, Page } from '@playwright/test';
import type { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';
import { connectWriter, createRoom, write } from '../support/wire';

const PHONE = { width: 390, height: 844 };
/** The same phone with its on-screen keyboard open: the page gets what the keyboard leaves. */
const PHONE_WITH_KEYBOARD = { width: 390, height: 480 };
/** A finger's width (WCAG 2.5.5), in CSS pixels. */
const TOUCH_TARGET = 44;

test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

function roomsButton(page: Page): Locator {
  return page.getByRole('button', { name: /^Rooms(, \d+ unread)?$/ });
}

function peopleButton(page: Page): Locator {
  return page.getByRole('button', { name: /^People, \d+$/ });
}

function moreButton(page: Page): Locator {
  return page.getByRole('button', { name: 'More actions', exact: true });
}

/** Joins from the start screen (on a phone the people list is in its drawer, not on screen). */
async function joinOnPhone(chat: ChatPage, nickname: string): Promise<void> {
  await chat.submitJoin(nickname);
  await expect(chat.composer).toBeVisible();
}

/** How much of the viewport's height the message area takes, 0 to 1. */
async function messageShare(chat: ChatPage): Promise<number> {
  const box = await chat.messageLog.boundingBox();
  return box!.height / chat.page.viewportSize()!.height;
}

/** The composer and its Send button are wholly on screen. */
async function expectComposerInView(chat: ChatPage): Promise<void> {
  await expect(chat.composer).toBeInViewport({ ratio: 1 });
  await expect(chat.sendButton).toBeInViewport({ ratio: 1 });
}

/** The roles of the things one presses or types into. */
const CONTROL_ROLES = [
  'button',
  'link',
  'textbox',
  'searchbox',
  'checkbox',
  'radio',
  'switch',
  'combobox',
  'tab',
  'menuitem',
  'option',
  'slider',
  'spinbutton',
] as const;

/** Every visible control smaller than a finger, described ("button Reply: 26×20"). */
async function smallControls(page: Page): Promise<string[]> {
  const small: string[] = [];
  for (const role of CONTROL_ROLES) {
    for (const control of await page.getByRole(role).all()) {
      if (!(await control.isVisible())) continue;
      const measured = await control.evaluate((element) => {
        // A visually hidden input (Attach file), a checkbox or a radio is pressed through its label.
        const hidden = element.getBoundingClientRect().width <= 1;
        const label = element instanceof HTMLInputElement ? element.labels?.[0] : undefined;
        const byLabel =
          hidden ||
          (element instanceof HTMLInputElement && ['checkbox', 'radio'].includes(element.type));
        const { width, height } = (byLabel && label ? label : element).getBoundingClientRect();
        const name = element.getAttribute('aria-label') ?? element.textContent?.trim() ?? '';
        return { width, height, name };
      });
      if (measured.width < TOUCH_TARGET || measured.height < TOUCH_TARGET) {
        small.push(
          `${role} "${measured.name}": ${Math.round(measured.width)}×${Math.round(measured.height)}`,
        );
      }
    }
  }
  return small;
}

test('with 16 people online the conversation owns a phone screen, with the keyboard open too', async ({
  server,
  openChat,
}) => {
  const others = await Promise.all(
    Array.from({ length: 15 }, (_, index) => connectWriter(server, `person${index + 1}`)),
  );
  try {
    const phone = await openChat();
    await joinOnPhone(phone, 'pat');
    await expect(peopleButton(phone.page)).toHaveAccessibleName('People, 16');
    await write(others[0]!, ['Morning, everyone', 'Stand-up in five minutes']);
    await expect(phone.message('Stand-up in five minutes')).toBeInViewport();

    // Neither list takes the conversation's room: they wait in their drawers.
    await expect(phone.roomNav).toBeHidden();
    await expect(phone.peopleOnline).toBeHidden();
    expect(await messageShare(phone)).toBeGreaterThanOrEqual(0.6);
    await expectComposerInView(phone);

    // The keyboard opens: the page gets 480 px, and the composer is above the keyboard.
    await phone.composer.tap();
    await phone.page.setViewportSize(PHONE_WITH_KEYBOARD);
    await expectComposerInView(phone);
    expect(await messageShare(phone)).toBeGreaterThanOrEqual(0.4);
    await phone.send('Written with the keyboard open');
    await expect(phone.message('Written with the keyboard open')).toBeInViewport();
    await expectComposerInView(phone);
  } finally {
    for (const socket of others) socket.disconnect();
  }
});

test('rooms and people open as drawers and close again, by touch and by keyboard', async ({
  server,
  openChat,
}) => {
  const bob = await connectWriter(server, 'bob');
  try {
    await createRoom(bob, 'Design');
    const phone = await openChat();
    const page = phone.page;
    await joinOnPhone(phone, 'pat');

    // Touch: the rooms drawer opens; tapping a room joins it and the drawer gives way to it.
    await roomsButton(page).tap();
    await expect(phone.roomNav).toBeInViewport();
    await expect(roomsButton(page)).toHaveAttribute('aria-expanded', 'true');
    await phone.roomButton('Join Design').tap();
    await expect(phone.roomHeading('Design')).toBeVisible();
    await expect(phone.roomNav).toBeHidden();
    await expect(roomsButton(page)).toHaveAttribute('aria-expanded', 'false');
    await expectComposerInView(phone);

    // Touch: the people drawer closes with its Close button, and with a tap beside it.
    await peopleButton(page).tap();
    await expect(phone.person('bob')).toBeInViewport();
    await page.getByRole('button', { name: 'Close people', exact: true }).tap();
    await expect(phone.peopleOnline).toBeHidden();
    await peopleButton(page).tap();
    await expect(phone.person('bob')).toBeInViewport();
    await page.touchscreen.tap(20, PHONE.height / 2);
    await expect(phone.peopleOnline).toBeHidden();
    await expect(phone.roomHeading('Design')).toBeVisible();

    // Keyboard: Enter opens the rooms with the focus on the room on screen; Escape closes them
    // and gives the focus back.
    await roomsButton(page).focus();
    await page.keyboard.press('Enter');
    await expect(phone.roomButton('Design')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(phone.roomNav).toBeHidden();
    await expect(roomsButton(page)).toBeFocused();
    // Choosing a room with the keyboard: the lobby is just before Design.
    await page.keyboard.press('Enter');
    await expect(phone.roomButton('Design')).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(phone.roomButton('Lobby')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(phone.roomNav).toBeHidden();
    await expect(phone.roomHeading('Design')).toBeHidden();
    await roomsButton(page).focus();
    await page.keyboard.press('Enter');
    await expect(phone.roomButton('Lobby')).toHaveAttribute('aria-current', 'true');
    await page.keyboard.press('Escape');
    await expect(phone.roomNav).toBeHidden();

    // Keyboard: the people drawer closes with Escape, and when the focus is tabbed out of it.
    await peopleButton(page).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Close people', exact: true })).toBeFocused();
    await expect(phone.person('bob')).toBeInViewport();
    await page.keyboard.press('Escape');
    await expect(phone.peopleOnline).toBeHidden();
    await expect(peopleButton(page)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Close people', exact: true })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Message bob', exact: true })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(moreButton(page)).toBeFocused();
    await expect(phone.peopleOnline).toBeHidden();
    await expectComposerInView(phone);
  } finally {
    bob.disconnect();
  }
});

test('every control on a phone screen is at least 44 px each way, in every panel', async ({
  server,
  openChat,
}) => {
  const bob = await connectWriter(server, 'bob');
  try {
    const phone = await openChat();
    const page = phone.page;
    await joinOnPhone(phone, 'pat');
    await write(bob, ['Hello from bob']);
    await phone.send('Hi bob');
    await expect(phone.message('Hi bob')).toContainText('Sent');

    // A message's actions come with a tap on it; a reaction adds buttons of its own.
    const hello = phone.message('Hello from bob');
    await hello.tap();
    await hello.getByRole('button', { name: 'Add reaction', exact: true }).tap();
    await page.getByRole('button', { name: 'React with 👍' }).tap();
    await expect(hello.getByRole('list', { name: 'Reactions' })).toBeVisible();

    expect(await smallControls(page)).toEqual([]);
    for (const [open, shown] of [
      [roomsButton(page), phone.roomNav],
      [peopleButton(page), phone.peopleOnline],
      [moreButton(page), page.getByRole('dialog', { name: 'More actions', exact: true })],
    ] as const) {
      await open.tap();
      await expect(shown).toBeInViewport();
      expect(await smallControls(page)).toEqual([]);
      await page.keyboard.press('Escape');
      await expect(shown).toBeHidden();
    }
    // Dialogs too: Settings (checkboxes, radios, a select), from the More actions panel.
    await moreButton(page).tap();
    await page.getByRole('button', { name: 'Settings', exact: true }).tap();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await expect(settings).toBeInViewport();
    expect(await smallControls(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(settings).toBeHidden();
  } finally {
    bob.disconnect();
  }
});

test.describe('on the desktop', () => {
  test.use({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });

  test('rooms, conversation and people sit side by side, with no drawers', async ({ openChat }) => {
    const chat = await openChat();
    await chat.join('dana');
    const rooms = (await chat.roomNav.boundingBox())!;
    const log = (await chat.messageLog.boundingBox())!;
    const people = (await chat.peopleOnline.boundingBox())!;
    expect(rooms.x + rooms.width).toBeLessThanOrEqual(log.x);
    expect(log.x + log.width).toBeLessThanOrEqual(people.x);
    await expect(roomsButton(chat.page)).toHaveCount(0);
    await expect(peopleButton(chat.page)).toHaveCount(0);
    await expect(moreButton(chat.page)).toHaveCount(0);
    await expect(chat.page.getByRole('button', { name: 'Settings', exact: true })).toBeVisible();
  });

  for (const width of [760, 900, 1100]) {
    test(`in a window ${width} px wide the header keeps the room's name and every action in view`, async ({
      openChat,
    }) => {
      const chat = await openChat();
      await chat.page.setViewportSize({ width, height: 700 });
      await chat.join('dana');
      const heading = chat.page.getByRole('heading', { level: 1, name: 'Lobby' });
      await expect(heading).toBeInViewport({ ratio: 1 });
      const pinned = chat.page.getByRole('button', { name: 'Pinned messages' });
      const disconnect = chat.page.getByRole('button', { name: 'Disconnect' });
      for (const action of [pinned, disconnect]) await expect(action).toBeInViewport({ ratio: 1 });
      // Nothing drawn over the name (the actions had taken its place, and run past the edge).
      const name = (await heading.boundingBox())!;
      const first = (await pinned.boundingBox())!;
      const apart = first.y >= name.y + name.height || first.x >= name.x + name.width;
      expect(apart, `name ${JSON.stringify(name)}, Pinned messages ${JSON.stringify(first)}`).toBe(
        true,
      );
      // The pinned list opens inside the window.
      await pinned.click();
      await expect(chat.page.getByRole('region', { name: 'Pinned messages' })).toBeInViewport({
        ratio: 1,
      });
    });
  }
});
