/**
 * The desktop app end to end, through Playwright's Electron support: host a room from the app,
 * join it from a browser at the URL the app shows, chat both ways, and close the app while
 * hosting. Each launch gets a throwaway profile (PARLEY_USER_DATA). Needs the build
 * (`npm run build`) and the Electron binary; without the binary the file is skipped, and says why.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  _electron as electron,
  chromium,
  expect,
  test,
  type Browser,
  type ElectronApplication,
  type LaunchOptions,
} from '@playwright/test';
import type { ParleyApi } from '../../../src/shared/api';
import { ChatPage } from '../support/chat-page';
import { desktopSkipReason, findElectronBinary, ROOT } from './electron-binary';

test.skip(desktopSkipReason !== null, desktopSkipReason ?? '');

const MAIN = join(ROOT, 'out', 'main', 'index.js');
const CLOSE_WARNING =
  'You are hosting a room. Closing Parley stops the room for everyone connected.';

/**
 * What page.evaluate callbacks use of the page's globals. They run in the page, but this file is
 * type-checked as Node code (no DOM lib), so they cast globalThis to this view.
 */
interface PageGlobals {
  parley: ParleyApi;
  open(url: string): unknown;
  location: { href: string };
  document: {
    createElement(tag: 'script'): { textContent: string | null };
    head: { append(node: unknown): void };
    documentElement: { dataset: Record<string, string | undefined> };
  };
  navigator: { permissions: { query(descriptor: { name: string }): Promise<{ state: string }> } };
}

interface Parley {
  app: ElectronApplication;
  window: ChatPage;
  profile: string;
}

const launched: Parley[] = [];
const browsers: Browser[] = [];

test.beforeAll(() => {
  for (const built of ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
    if (!existsSync(join(ROOT, built))) {
      throw new Error(`${built} is missing: run "npm run build" before the e2e tests.`);
    }
  }
});

test.afterEach(async () => {
  await Promise.all(browsers.splice(0).map((browser) => browser.close()));
  await Promise.all(launched.splice(0).map((parley) => quit(parley)));
});

/** Electron refuses to start as root with Chromium's sandbox (containers, CI images). */
function electronSwitches(): string[] {
  return process.getuid?.() === 0 ? ['--no-sandbox'] : [];
}

function appEnv(profile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) env[name] = value;
  }
  // Always the built renderer, never a dev server that happens to be configured.
  delete env['ELECTRON_RENDERER_URL'];
  env['PARLEY_USER_DATA'] = profile;
  // No multicast on the machine's real network from tests.
  env['PARLEY_DISCOVERY'] = 'off';
  return env;
}

async function launchParley(profile?: string): Promise<Parley> {
  const userData = profile ?? (await mkdtemp(join(tmpdir(), 'parley-desktop-')));
  const app = await electron.launch({
    args: [...electronSwitches(), MAIN],
    cwd: ROOT,
    env: appEnv(userData),
  });
  const parley: Parley = { app, window: new ChatPage(await app.firstWindow()), profile: userData };
  launched.push(parley);
  await expect(parley.window.nicknameInput).toBeVisible();
  return parley;
}

/** Answers the next "Stop hosting and quit?" dialogs with the given button (0 = stop and quit). */
async function answerCloseDialog(app: ElectronApplication, response: 0 | 1): Promise<void> {
  await app.evaluate(({ dialog }, answer) => {
    const state = globalThis as unknown as { parleyDialogs?: unknown[] };
    const asked: unknown[] = (state.parleyDialogs ??= []);
    dialog.showMessageBox = (async (...args: unknown[]) => {
      asked.push(args.at(-1));
      return { response: answer, checkboxChecked: false };
    }) as typeof dialog.showMessageBox;
  }, response);
}

async function dialogsShown(
  app: ElectronApplication,
): Promise<{ message?: string; buttons?: string[] }[]> {
  return app.evaluate(() => {
    const state = globalThis as unknown as { parleyDialogs?: unknown[] };
    return (state.parleyDialogs ?? []) as { message?: string; buttons?: string[] }[];
  });
}

async function closeWindow(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
}

/** Quits (answering "stop hosting" if asked) and removes the profile. */
async function quit(parley: Parley): Promise<void> {
  const running =
    parley.app.process().exitCode === null && parley.app.process().signalCode === null;
  if (running) {
    await answerCloseDialog(parley.app, 0).catch(() => undefined);
    await parley.app.close();
  }
  await rm(parley.profile, { recursive: true, force: true });
}

/** Playwright's Chromium where installed; else the system's (PARLEY_CHROMIUM overrides). */
function browserOptions(): LaunchOptions {
  const override = process.env['PARLEY_CHROMIUM'];
  if (!override && existsSync(chromium.executablePath())) return {};
  return {
    executablePath: override || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  };
}

async function openBrowser(): Promise<Browser> {
  const browser = await chromium.launch(browserOptions());
  browsers.push(browser);
  return browser;
}

async function hostRoom(parley: Parley, nickname: string, port: number): Promise<void> {
  const host = parley.window;
  await host.nicknameInput.fill(nickname);
  await host.portInput.fill(String(port));
  await host.hostButton.click();
}

async function hostingStatus(parley: Parley) {
  return parley.window.page.evaluate(() =>
    (globalThis as unknown as PageGlobals).parley.hosting.status(),
  );
}

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

test('hosts a room that a browser joins by the URL shown; both chat; closing stops the room', async () => {
  const parley = await launchParley();
  const host = parley.window;

  await hostRoom(parley, 'Hana', 0);
  await expect(host.composer).toBeVisible();
  await expect(host.person('Hana')).toBeVisible();

  // Every join URL is on screen with its Copy button; the browser takes the localhost one.
  const status = await hostingStatus(parley);
  expect(status.running).toBe(true);
  expect(status.port).toBeGreaterThan(0);
  for (const url of status.urls) {
    await expect(host.page.getByRole('button', { name: `Copy ${url}`, exact: true })).toBeVisible();
  }
  const joinUrl = status.urls.find((url) => url === `http://localhost:${status.port}`);
  expect(joinUrl, `join URLs shown: ${status.urls.join(', ')}`).toBeDefined();

  const browser = await openBrowser();
  const guest = new ChatPage(await browser.newPage());
  await guest.goto(joinUrl!);
  await guest.join('Gus', joinUrl);
  await expect(host.person('Gus')).toBeVisible();
  await expect(guest.person('Hana')).toBeVisible();

  await guest.send('Hello from the browser');
  await expect(host.entry('Hello from the browser')).toBeVisible();
  await host.send('Hello from the desktop');
  await expect(guest.entry('Hello from the desktop')).toBeVisible();
  await expect(guest.connectionBanner).toHaveCount(0);

  // Closing while hosting asks first; Cancel keeps the app and the room.
  await answerCloseDialog(parley.app, 1);
  await closeWindow(parley.app);
  await expect.poll(async () => (await dialogsShown(parley.app)).length).toBe(1);
  const [asked] = await dialogsShown(parley.app);
  expect(asked?.message).toBe(CLOSE_WARNING);
  expect(asked?.buttons).toEqual(['Stop hosting and quit', 'Cancel']);
  expect(parley.app.windows()).toHaveLength(1);
  expect(await reachable(joinUrl!)).toBe(true);

  // "Stop hosting and quit": the app exits, the room is gone, the guest is told.
  await answerCloseDialog(parley.app, 0);
  const exited = parley.app.waitForEvent('close');
  await closeWindow(parley.app);
  await exited;
  expect(await reachable(joinUrl!)).toBe(false);
  await expect(guest.connectionBanner).toContainText('Reconnecting…');
});

test('a taken port offers "Use any free port", which hosts anyway', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
  const takenPort = (blocker.address() as AddressInfo).port;
  try {
    const parley = await launchParley();
    await hostRoom(parley, 'Hana', takenPort);

    const problem = parley.window.page.getByRole('alert').filter({ hasText: `${takenPort}` });
    await expect(problem).toContainText(`Port ${takenPort} is already in use`);
    await parley.window.page
      .getByRole('button', { name: 'Use any free port', exact: true })
      .click();

    await expect(parley.window.composer).toBeVisible();
    const status = await hostingStatus(parley);
    expect(status.running).toBe(true);
    expect(status.port).not.toBe(takenPort);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test('the window keeps the security baseline', async () => {
  const parley = await launchParley();
  const page = parley.window.page;

  // Exactly the typed contract; no Node, no ipcRenderer.
  const exposed = await page.evaluate(() => {
    const { parley } = globalThis as unknown as PageGlobals;
    return {
      keys: Object.keys(parley).sort(),
      runtime: parley.runtime,
      node: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      ipc: 'ipcRenderer' in parley,
    };
  });
  expect(exposed).toEqual({
    keys: ['chat', 'hosting', 'runtime'],
    runtime: { kind: 'desktop', canHost: true, defaultServerUrl: null },
    node: 'undefined',
    process: 'undefined',
    ipc: false,
  });

  // No new windows, no navigation away from the app.
  const appUrl = page.url();
  expect(
    await page.evaluate(() => (globalThis as unknown as PageGlobals).open('about:blank')),
  ).toBeNull();
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).location.href = 'file:///etc/hosts';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(appUrl);
  expect(parley.app.windows()).toHaveLength(1);

  // The Content-Security-Policy blocks inline script; permissions are denied.
  const inlineRan = await page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const script = document.createElement('script');
    script.textContent = 'document.documentElement.dataset.inline = "ran"';
    document.head.append(script);
    return document.documentElement.dataset['inline'] === 'ran';
  });
  expect(inlineRan).toBe(false);
  const geolocation = await page.evaluate(async () => {
    const { navigator } = globalThis as unknown as PageGlobals;
    return (await navigator.permissions.query({ name: 'geolocation' })).state;
  });
  expect(geolocation).toBe('denied');
});

test('a second instance with the same profile hands over to the first and exits', async () => {
  const first = await launchParley();
  const binary = findElectronBinary()!;
  const second = spawn(binary, [...electronSwitches(), MAIN], {
    cwd: ROOT,
    env: appEnv(first.profile),
    stdio: 'ignore',
  });
  const timer = setTimeout(() => second.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
  clearTimeout(timer);
  expect(code, 'the second instance should quit by itself').toBe(0);
  expect(first.app.windows()).toHaveLength(1);
  await expect(first.window.nicknameInput).toBeVisible();
});
