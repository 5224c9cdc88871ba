// Files through the web client against a real `parley serve`: the picker, paste and drop, progress
// and Cancel, the file card with Download, inline image previews, and the server's size limit.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ChatPage } from '../support/chat-page';
import { expect, test } from '../support/fixtures';

const CHUNK = 48 * 1024;

/**
 * Holds back the server's acknowledgements of file chunks (all but the first) until `release()`:
 * an upload then stays visibly under way for as long as the test needs, whatever the speed of the
 * machine. Playwright routes WebSockets from a script it puts in the page, so the page is
 * loaded again to get it.
 */
async function holdChunkAcks(page: Page): Promise<{ release: () => void }> {
  let holding = true;
  const held: Array<() => void> = [];
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    let passed = 0;
    server.onMessage((message) => {
      const isChunkAck = typeof message === 'string' && message.includes('"received":');
      if (holding && isChunkAck && passed++ >= 1) {
        held.push(() => ws.send(message));
        return;
      }
      ws.send(message);
    });
  });
  await page.reload();
  return {
    release: () => {
      holding = false;
      for (const send of held.splice(0)) send();
    },
  };
}

/** A PNG of `width`×`height` drawn by the page's own canvas. */
async function pngFrom(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    ([w, h]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w!;
      canvas.height = h!;
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#c0392b';
      context.fillRect(0, 0, w!, h!);
      return canvas.toDataURL('image/png').split(',')[1]!;
    },
    [width, height],
  );
  return Buffer.from(base64, 'base64');
}

function attach(chat: ChatPage) {
  return chat.page.getByLabel('Attach file', { exact: true });
}

/** The files the server stores and the uploads it has under way (its data directory). */
function filesOnDisk(dataDir: string): { stored: string[]; temporary: string[] } {
  const root = join(dataDir, 'files');
  if (!existsSync(root)) return { stored: [], temporary: [] };
  const stored = readdirSync(root)
    .filter((entry) => entry !== 'tmp')
    .flatMap((prefix) => readdirSync(join(root, prefix)));
  const tmp = join(root, 'tmp');
  return { stored, temporary: existsSync(tmp) ? readdirSync(tmp) : [] };
}

test('a file sent with the picker shows progress, reaches the other person, and downloads byte for byte', async ({
  openChat,
}) => {
  const alice = await openChat();
  const acks = await holdChunkAcks(alice.page);
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  const bytes = randomBytes(CHUNK * 6 + 1000);
  await attach(alice).setInputFiles({
    name: 'report.pdf',
    mimeType: 'application/pdf',
    buffer: bytes,
  });
  const progress = alice.page.getByRole('progressbar', { name: 'Sending report.pdf' });
  await expect(progress).toHaveAttribute('aria-valuenow', String(CHUNK));
  await expect(progress).toHaveAttribute('aria-valuemax', String(bytes.length));
  await expect(alice.page.getByRole('button', { name: 'Cancel sending report.pdf' })).toBeVisible();
  acks.release();
  await expect(progress).toHaveCount(0);

  // Both see the card: name, size and type.
  for (const chat of [alice, bob]) {
    const card = chat.entry('report.pdf');
    await expect(card).toContainText('289 KB');
    await expect(card).toContainText('application/pdf');
  }
  await expect(bob.entry('report.pdf')).toContainText('alice');

  const [download] = await Promise.all([
    bob.page.waitForEvent('download'),
    bob.page.getByRole('button', { name: 'Download report.pdf', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('report.pdf');
  expect(readFileSync(await download.path()).equals(bytes)).toBe(true);
});

test('images show inline as previews, SVG never does', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  await attach(alice).setInputFiles({
    name: 'red.png',
    mimeType: 'image/png',
    buffer: await pngFrom(alice.page, 40, 30),
  });
  const preview = bob.messageLog.getByRole('img', { name: 'red.png', exact: true });
  await expect(preview).toBeVisible();
  await expect(preview).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(40);

  // An SVG is a document that can carry script: it gets a card, never an inline image.
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.svgRan=1</script></svg>';
  await attach(alice).setInputFiles({
    name: 'drawing.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from(svg),
  });
  await expect(bob.entry('drawing.svg')).toContainText('image/svg+xml');
  await expect(bob.messageLog.getByRole('img', { name: 'drawing.svg' })).toHaveCount(0);
  expect(await bob.page.evaluate(() => (window as { svgRan?: number }).svgRan)).toBeUndefined();

  // Leaving the server lets go of the preview's bytes; coming back shows it again.
  const firstUrl = await preview.getAttribute('src');
  // Whether the page can still load the blob: URL as an image (the CSP allows blob: images only).
  const loadable = (url: string) =>
    bob.page.evaluate(
      (blobUrl) =>
        new Promise<boolean>((done) => {
          const probe = new Image();
          probe.onload = () => done(true);
          probe.onerror = () => done(false);
          probe.src = blobUrl;
        }),
      url,
    );
  expect(await loadable(firstUrl!)).toBe(true);
  await bob.disconnectButton.click();
  await expect(bob.nicknameInput).toBeVisible();
  await expect.poll(() => loadable(firstUrl!)).toBe(false);
  await bob.joinButton.click();
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(40);
});

test('a pasted image and a dropped file are sent', async ({ openChat }) => {
  const alice = await openChat();
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');
  const png = (await pngFrom(alice.page, 12, 12)).toString('base64');

  await alice.composer.focus();
  await alice.page.evaluate((base64) => {
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'screenshot.png', { type: 'image/png' }));
    document.activeElement!.dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
    );
  }, png);
  await expect(bob.messageLog.getByRole('img', { name: 'screenshot.png' })).toBeVisible();
  await expect(alice.composer).toHaveValue('');

  const dropTarget = alice.page.getByRole('main');
  const data = await alice.page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['dropped text'], 'dropped.txt', { type: 'text/plain' }));
    return transfer;
  });
  await dropTarget.dispatchEvent('dragover', { dataTransfer: data });
  // While files are over the conversation, it says where they will go.
  const hint = alice.page.getByRole('status').filter({ hasText: 'Drop to send to' });
  await expect(hint).toBeVisible();
  // Dragged away again: the hint goes; back over it and dropped: the file is sent.
  await dropTarget.dispatchEvent('dragleave', { dataTransfer: data });
  await expect(hint).toHaveCount(0);
  await dropTarget.dispatchEvent('dragover', { dataTransfer: data });
  await expect(hint).toBeVisible();
  await dropTarget.dispatchEvent('drop', { dataTransfer: data });
  await expect(hint).toHaveCount(0);
  await expect(bob.entry('dropped.txt')).toContainText('text/plain');
});

test('cancelling an upload removes it and posts nothing; the server keeps nothing of it', async ({
  openChat,
  server,
}) => {
  const alice = await openChat();
  const acks = await holdChunkAcks(alice.page);
  await alice.join('alice');
  const bob = await openChat();
  await bob.join('bob');

  await attach(alice).setInputFiles({
    name: 'big.bin',
    mimeType: 'application/octet-stream',
    buffer: randomBytes(CHUNK * 40),
  });
  const progress = alice.page.getByRole('progressbar', { name: 'Sending big.bin' });
  await expect(progress).toHaveAttribute('aria-valuenow', String(CHUNK));
  await alice.page.getByRole('button', { name: 'Cancel sending big.bin' }).click();
  await expect(progress).toHaveCount(0);
  acks.release();
  await expect.poll(() => filesOnDisk(server.dataDir)).toEqual({ stored: [], temporary: [] });

  // The chat goes on, and nobody ever saw the file.
  await alice.send('after the cancel');
  await expect(bob.entry('after the cancel')).toBeVisible();
  await expect(bob.entry('big.bin')).toHaveCount(0);
  await expect(alice.entry('big.bin')).toHaveCount(0);
});

test('a file over the server limit gets a clear error and is not sent', async ({
  browser,
  startServer,
}) => {
  const small = await startServer({ args: ['--max-file-size', '0.5'] });
  const context = await browser.newContext();
  try {
    const alice = new ChatPage(await context.newPage());
    await alice.goto(small.url);
    await alice.join('alice');

    await attach(alice).setInputFiles({
      name: 'too-big.bin',
      mimeType: 'application/octet-stream',
      buffer: randomBytes(600 * 1024),
    });
    const error = alice.page.getByRole('alert').filter({ hasText: 'too-big.bin' });
    await expect(error).toContainText('too-big.bin was not sent');
    await expect(error).toContainText('this server accepts files up to 512 KB');
    await alice.page.getByRole('button', { name: 'Dismiss too-big.bin' }).click();
    await expect(error).toHaveCount(0);
    await expect(alice.entry('too-big.bin')).toHaveCount(0);
    expect(filesOnDisk(small.dataDir)).toEqual({ stored: [], temporary: [] });
  } finally {
    await context.close();
  }
});
