/**
 * Page object for Parley's UI (start screen and chat screen). It finds everything by role and
 * accessible name, as people using a screen reader would, never by CSS classes.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export class ChatPage {
  constructor(readonly page: Page) {}

  // Start screen
  get nicknameInput(): Locator {
    return this.page.getByLabel('Nickname', { exact: true });
  }

  get serverUrlInput(): Locator {
    return this.page.getByLabel('Server URL', { exact: true });
  }

  get portInput(): Locator {
    return this.page.getByLabel('Port', { exact: true });
  }

  /** The web client's disclosure that shows Server URL (it joins its own server otherwise). */
  get otherServerButton(): Locator {
    return this.page.getByRole('button', { name: 'Join another server', exact: true });
  }

  /** The web client's disclosure that shows "Link to an existing identity". */
  get linkingButton(): Locator {
    return this.page.getByRole('button', { name: 'Link to another device of yours', exact: true });
  }

  /** Opens a disclosure of the start screen unless it is open (or not there: the desktop app). */
  async disclose(disclosure: Locator): Promise<void> {
    if ((await disclosure.count()) === 0) return;
    if ((await disclosure.getAttribute('aria-expanded')) !== 'true') await disclosure.click();
  }

  get joinButton(): Locator {
    return this.page.getByRole('button', { name: 'Join', exact: true });
  }

  get hostButton(): Locator {
    return this.page.getByRole('button', { name: 'Host a room', exact: true });
  }

  get alert(): Locator {
    return this.page.getByRole('alert');
  }

  get networkRooms(): Locator {
    return this.page.getByRole('list', { name: 'Rooms on your network', exact: true });
  }

  get recentServers(): Locator {
    return this.page.getByRole('list', { name: 'Recent servers', exact: true });
  }

  /** A recent server's entry, by (part of) its text: name, URL or nickname. */
  recentServer(text: string): Locator {
    return this.recentServers.getByRole('listitem').filter({ hasText: text });
  }

  /** "Rejoin", "Rename" or "Forget" for the recent server shown as `name`. */
  serverAction(action: 'Rejoin' | 'Rename' | 'Forget', name: string): Locator {
    return this.page.getByRole('button', { name: `${action} ${name}`, exact: true });
  }

  get serverNameInput(): Locator {
    return this.page.getByLabel('Server name', { exact: true });
  }

  /**
   * The desktop start screen's footer button (the empty room list has one too); the browser has
   * none.
   */
  get diagnosticsButton(): Locator {
    return this.page.getByRole('button', { name: 'Network diagnostics', exact: true }).last();
  }

  get diagnosticsPanel(): Locator {
    return this.page.getByRole('dialog', { name: 'Network diagnostics', exact: true });
  }

  // Chat screen
  get messageLog(): Locator {
    return this.page.getByRole('log', { name: 'Messages', exact: true });
  }

  get peopleOnline(): Locator {
    return this.page.getByRole('list', { name: 'People online', exact: true });
  }

  get composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  get sendButton(): Locator {
    return this.page.getByRole('button', { name: 'Send', exact: true });
  }

  get typingIndicator(): Locator {
    return this.page.getByRole('note', { name: 'Typing', exact: true });
  }

  get connectionBanner(): Locator {
    return this.page.getByRole('status');
  }

  /** The header's (or, with the connection lost, the banner's) Disconnect: leaves the server. */
  get disconnectButton(): Locator {
    return this.page.getByRole('button', { name: 'Disconnect', exact: true });
  }

  get retryNowButton(): Locator {
    return this.page.getByRole('button', { name: 'Retry now', exact: true });
  }

  get reconnectButton(): Locator {
    return this.page.getByRole('button', { name: 'Reconnect', exact: true });
  }

  /** The rooms and direct conversations on the left of the chat screen. */
  get roomNav(): Locator {
    return this.page.getByRole('navigation', { name: 'Rooms and conversations', exact: true });
  }

  /**
   * The button that shows a joined room (by its name) or joins one (`Join <name>`). Its accessible
   * name goes on with what it shows after the name ("Design, 2 people here", "bob, 1 unread").
   */
  roomButton(name: string): Locator {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.roomNav.getByRole('button', { name: new RegExp(`^${escaped}(, .*)?$`) });
  }

  /** The chat screen's heading, which names the room on screen (not the lobby: the server). */
  roomHeading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: true });
  }

  /** Fills and submits the Create room dialog; returns the dialog (hidden once it worked). */
  async createRoom(name: string): Promise<Locator> {
    await this.roomNav.getByRole('button', { name: 'Create room', exact: true }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Create a room', exact: true });
    await dialog.getByLabel('Room name', { exact: true }).fill(name);
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    return dialog;
  }

  /**
   * A message or notice in the conversation, by (part of) its text: an item of the log's own list,
   * not one of a list written in a message.
   */
  entry(text: string): Locator {
    return this.messageLog.locator(':scope > ol > li').filter({ hasText: text });
  }

  /** A message (not a notice, nor a list inside a message), by (part of) its text. */
  message(text: string): Locator {
    return this.messageLog.locator('li[data-message-id]').filter({ hasText: text });
  }

  /** The message with server id `id` (it stays found while its text changes). */
  messageById(id: string): Locator {
    return this.messageLog.locator(`li[data-message-id="${id}"]`);
  }

  person(nickname: string): Locator {
    return this.peopleOnline.getByRole('listitem').filter({ hasText: nickname });
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.nicknameInput).toBeVisible();
  }

  /** Fills the start screen and presses Join, without waiting for the outcome. */
  async submitJoin(nickname: string, serverUrl?: string): Promise<void> {
    await this.nicknameInput.fill(nickname);
    if (serverUrl !== undefined) {
      await this.disclose(this.otherServerButton);
      await this.serverUrlInput.fill(serverUrl);
    }
    await this.joinButton.click();
  }

  /** Joins and waits for the chat screen. */
  async join(nickname: string, serverUrl?: string): Promise<void> {
    await this.submitJoin(nickname, serverUrl);
    await expect(this.composer).toBeVisible();
    await expect(this.person(nickname)).toBeVisible();
  }

  /** Types a message and sends it with Enter. */
  async send(text: string): Promise<void> {
    await this.composer.fill(text);
    await this.composer.press('Enter');
  }
}
