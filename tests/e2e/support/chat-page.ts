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

  get joinButton(): Locator {
    return this.page.getByRole('button', { name: 'Join', exact: true });
  }

  get hostButton(): Locator {
    return this.page.getByRole('button', { name: 'Host a room', exact: true });
  }

  get alert(): Locator {
    return this.page.getByRole('alert');
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

  get leaveButton(): Locator {
    return this.page.getByRole('button', { name: 'Leave', exact: true });
  }

  get reconnectButton(): Locator {
    return this.page.getByRole('button', { name: 'Reconnect', exact: true });
  }

  /** A message or notice in the conversation, by (part of) its text. */
  entry(text: string): Locator {
    return this.messageLog.getByRole('listitem').filter({ hasText: text });
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
    if (serverUrl !== undefined) await this.serverUrlInput.fill(serverUrl);
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
