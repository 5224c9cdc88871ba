/**
 * Playwright fixtures for the web e2e tests: a fresh `parley serve` per test, `openChat()` to
 * open the web client in a new browser context (one person each, with their own storage),
 * `startServer()` for more servers (stopped when the test ends) and `openChatAt(url)` for theirs.
 */
import { test as base } from '@playwright/test';
import { ChatPage } from './chat-page';
import {
  startParleyServer,
  type ParleyServerOptions,
  type ParleyServerProcess,
} from './parley-server';

export interface OpenChatOptions {
  /**
   * Installs Playwright's clock before the page loads, so the test can stop the page's timers
   * (`page.clock.pauseAt`) and know that what happens next was not a timer's doing.
   */
  fakeClock?: boolean;
}

export interface ChatFixtures {
  server: ParleyServerProcess;
  /** Opens the web client served by `server` in a new browser context. */
  openChat: (options?: OpenChatOptions) => Promise<ChatPage>;
  /** Opens the web client at `url` (another server's) in a new browser context. */
  openChatAt: (url: string, options?: OpenChatOptions) => Promise<ChatPage>;
  /** Starts another `parley serve` (on the same port as a stopped one, for instance). */
  startServer: (options?: ParleyServerOptions) => Promise<ParleyServerProcess>;
}

export const test = base.extend<ChatFixtures>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const server = await startParleyServer();
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  },
  // eslint-disable-next-line no-empty-pattern
  startServer: async ({}, use) => {
    const started: ParleyServerProcess[] = [];
    await use(async (options) => {
      const server = await startParleyServer(options);
      started.push(server);
      return server;
    });
    await Promise.all(started.map((server) => server.stop()));
  },
  // Not through `openChat`: a test that brings its own server starts no default one. The page is
  // the size and kind of device that `test.use` asks for (a phone: viewport, isMobile, hasTouch),
  // in its colour scheme: Playwright applies those to its own `context` only.
  openChatAt: async ({ browser, viewport, isMobile, hasTouch, colorScheme }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (url, options = {}) => {
      const context = await browser.newContext({ viewport, isMobile, hasTouch, colorScheme });
      contexts.push(context);
      if (options.fakeClock) await context.clock.install();
      const chat = new ChatPage(await context.newPage());
      await chat.goto(url);
      return chat;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  openChat: async ({ server, openChatAt }, use) => {
    await use((options) => openChatAt(server.url, options));
  },
});

export { expect } from '@playwright/test';
