/**
 * The web client's device key (src/renderer/web/browser-device-key.ts) in real Chromium, before
 * the server asks for it: the module is built on its own (Vite, as the web client's build does)
 * into a page that only holds `browserDeviceKey()`, served from 127.0.0.1 (a secure context:
 * WebCrypto's non-extractable key) and from a plain-http name that is not localhost (not a secure
 * context: no crypto.subtle, so @noble/ed25519's key); and where it cannot be kept: a damaged
 * record, a sandboxed frame that IndexedDB refuses. Signatures are checked with node:crypto.
 */
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, test, type Frame, type Page } from '@playwright/test';
import { build } from 'vite';
import { serveFolder, type StaticServer } from '../renderer/static-server';

const MODULE = fileURLToPath(
  new URL('../../../src/renderer/web/browser-device-key.ts', import.meta.url),
);
/** A name that is not localhost: Chromium maps it to 127.0.0.1, and http there is not secure. */
const PLAIN_HOST = 'parley-device-key.test';

/** The page's `browserDeviceKey()` (a DeviceKey: src/client/device-key.ts, outside this project). */
type KeyWindow = Window & {
  deviceKey: { publicKey(): Promise<string>; sign(data: Uint8Array): Promise<string> };
};
type StartWindow = Window & { started: Promise<string> };

let site: StaticServer;

test.beforeAll(async () => {
  const folder = mkdtempSync(join(tmpdir(), 'parley-device-key-page-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: folder,
      minify: false,
      emptyOutDir: true,
      lib: { entry: MODULE, formats: ['es'], fileName: 'browser-device-key' },
    },
  });
  writeFileSync(
    join(folder, 'index.html'),
    `<!doctype html><title>device key</title><script type="module">
      import { browserDeviceKey } from './browser-device-key.js';
      window.deviceKey = browserDeviceKey();
    </script>`,
  );
  // The same page in a sandboxed frame: an opaque origin, which IndexedDB refuses.
  writeFileSync(
    join(folder, 'sandboxed.html'),
    `<!doctype html><title>sandboxed</title><iframe sandbox="allow-scripts" src="index.html"></iframe>`,
  );
  site = await serveFolder(folder);
});

test.afterAll(async () => {
  await site?.close();
});

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => 'deviceKey' in window);
}

function publicKeyOf(page: Page | Frame): Promise<string> {
  return page.evaluate(() => (window as unknown as KeyWindow).deviceKey.publicKey());
}

/** Signs in the page; true if node:crypto verifies the signature with the page's public key. */
async function signsVerifiably(page: Page | Frame): Promise<boolean> {
  const text = 'parley-join/2\nroom.local:4000\nchallenge';
  const { publicKey, signature } = await page.evaluate(async (text) => {
    const key = (window as unknown as KeyWindow).deviceKey;
    const signature = await key.sign(new TextEncoder().encode(text));
    return { publicKey: await key.publicKey(), signature };
  }, text);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
  return verify(null, Buffer.from(text), key, Buffer.from(signature, 'base64url'));
}

/** What IndexedDB keeps, as far as the page can tell. */
function storedRecord(page: Page) {
  return page.evaluate(
    () =>
      new Promise<{
        kind: string;
        pair: string;
        extractable: boolean | null;
        secretLength: number | null;
      }>((resolve, reject) => {
        const request = indexedDB.open('parley-device-key');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const read = request.result.transaction('keys').objectStore('keys').get('device');
          read.onerror = () => reject(read.error);
          read.onsuccess = () => {
            const record = read.result;
            request.result.close();
            resolve({
              kind: record.kind,
              pair: typeof record.pair,
              extractable: record.pair?.privateKey?.extractable ?? null,
              secretLength: record.secret?.length ?? null,
            });
          };
        };
      }),
  );
}

test('a secure page keeps one non-extractable WebCrypto key, also when tabs open at once', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const tabs = await Promise.all(Array.from({ length: 8 }, () => context.newPage()));
  await Promise.all(tabs.map((tab) => open(tab, site.url)));
  // All eight make their first key at the same moment (one message starts them all): one is kept,
  // and all eight use it.
  for (const tab of tabs) {
    await tab.evaluate(() => {
      const start = new BroadcastChannel('start');
      (window as unknown as StartWindow).started = new Promise((resolve) => {
        start.onmessage = () => resolve((window as unknown as KeyWindow).deviceKey.publicKey());
      });
    });
  }
  await tabs[0]!.evaluate(() => new BroadcastChannel('start').postMessage('go'));
  const keys = await Promise.all(
    tabs.map((tab) => tab.evaluate(() => (window as unknown as StartWindow).started)),
  );
  expect(new Set(keys).size).toBe(1);
  expect(Buffer.from(keys[0]!, 'base64url')).toHaveLength(32);

  const [first] = tabs;
  expect(await storedRecord(first!)).toEqual({
    kind: 'webcrypto',
    pair: 'object',
    extractable: false,
    secretLength: null,
  });
  expect(await signsVerifiably(first!)).toBe(true);

  // A later load (the next visit) is the same person.
  await open(first!, site.url);
  expect(await publicKeyOf(first!)).toBe(keys[0]);
  expect(await signsVerifiably(first!)).toBe(true);

  // Another browser profile is another person.
  const other = await browser.newContext();
  const stranger = await other.newPage();
  await open(stranger, site.url);
  expect(await publicKeyOf(stranger)).not.toBe(keys[0]);
  await other.close();
  await context.close();
});

// eslint-disable-next-line no-empty-pattern
test('a plain-http page (no crypto.subtle) keeps a @noble/ed25519 key', async ({}, testInfo) => {
  const launchOptions = testInfo.project.use.launchOptions ?? {};
  const browser = await chromium.launch({
    ...launchOptions,
    args: [...(launchOptions.args ?? []), `--host-resolver-rules=MAP ${PLAIN_HOST} 127.0.0.1`],
  });
  try {
    const page = await browser.newPage();
    const url = site.url.replace('127.0.0.1', PLAIN_HOST);
    await open(page, url);
    expect(await page.evaluate(() => [isSecureContext, typeof crypto.subtle])).toEqual([
      false,
      'undefined',
    ]);
    const key = await publicKeyOf(page);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(await storedRecord(page)).toEqual({
      kind: 'noble',
      pair: 'undefined',
      extractable: null,
      secretLength: 32,
    });
    expect(await signsVerifiably(page)).toBe(true);

    await open(page, url);
    expect(await publicKeyOf(page)).toBe(key);
    expect(await signsVerifiably(page)).toBe(true);
  } finally {
    await browser.close();
  }
});

test('a damaged record is left alone: a key for this page only, with a warning', async ({
  page,
}) => {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await open(page, site.url);
  // Written before the first use, as a damaged (or future) record would be found.
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('parley-device-key', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('keys');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const transaction = request.result.transaction('keys', 'readwrite');
          transaction.objectStore('keys').put({ kind: 'webcrypto', pair: 'garbage' }, 'device');
          transaction.oncomplete = () => {
            request.result.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
  );
  const key = await publicKeyOf(page);
  expect(await signsVerifiably(page)).toBe(true);
  expect(warnings).toEqual([
    '[parley] The device key in IndexedDB is unusable; using one for this page only.',
  ]);
  // The record is as it was, and the next load is another key (memory only).
  expect(await storedRecord(page)).toEqual({
    kind: 'webcrypto',
    pair: 'string',
    extractable: null,
    secretLength: null,
  });
  await open(page, site.url);
  expect(await publicKeyOf(page)).not.toBe(key);
});

test('without IndexedDB (an opaque origin) the key is for this page only, and joining works', async ({
  page,
}) => {
  // The sandboxed frame's origin is opaque, so its module scripts are cross-origin requests.
  await page.route('**/*.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'access-control-allow-origin': '*' },
    });
  });
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(new URL('sandboxed.html', site.url).href);
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame())!;
  await frame.waitForFunction(() => 'deviceKey' in window);
  expect(await frame.evaluate(() => origin)).toBe('null');

  expect(Buffer.from(await publicKeyOf(frame), 'base64url')).toHaveLength(32);
  expect(await signsVerifiably(frame)).toBe(true);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(
    '[parley] The device key cannot be kept (IndexedDB); using one for this page only:',
  );
});
