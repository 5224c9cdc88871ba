/**
 * Playwright fixtures for the web e2e tests: a fresh `parley serve` per test, `openChat()` to
 * open the web client in a new browser context (one person each, with their own storage), and
 * `startServer()` for more servers (stopped when the test ends).
 */
import { test as base } from '@playwright/test';
import { ChatPage } from './chat-page';
import {
  startParleyServer,
  type ParleyServerOptions,
  type ParleyServerProcess,
} from './parley-server';

export interface ChatFixtures {
  server: ParleyServerProcess;
  /** Opens the web client served by `server` in a new browser context. */
  openChat: () => Promise<ChatPage>;
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
  openChat: async ({ browser, server }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async () => {
      const context = await browser.newContext();
      contexts.push(context);
      const chat = new ChatPage(await context.newPage());
      await chat.goto(server.url);
      return chat;
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});

export { expect } from '@playwright/test';
