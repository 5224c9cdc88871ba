import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devServerPages, filePages, isExternalWebUrl } from './app-pages';

const rendererDir = join('/opt', 'Parley', 'resources', 'app.asar', 'out', 'renderer');
const indexPath = join(rendererDir, 'index.html');
const indexUrl = pathToFileURL(indexPath).href;

describe('filePages', () => {
  const pages = filePages(indexPath);

  it('loads the built index.html', () => {
    expect(pages.entry).toEqual({ kind: 'file', path: indexPath });
  });

  it('recognizes its own index.html, with or without a fragment or query', () => {
    expect(pages.isAppPage(indexUrl)).toBe(true);
    expect(pages.isAppPage(`${indexUrl}#/chat`)).toBe(true);
    expect(pages.isAppPage(`${indexUrl}?x=1`)).toBe(true);
  });

  it('trusts no other page', () => {
    expect(pages.isAppPage(pathToFileURL(join(rendererDir, 'other.html')).href)).toBe(false);
    expect(pages.isAppPage(pathToFileURL('/tmp/index.html').href)).toBe(false);
    expect(pages.isAppPage('http://localhost:5173/')).toBe(false);
    expect(pages.isAppPage('https://example.com/index.html')).toBe(false);
    expect(pages.isAppPage('not a url')).toBe(false);
    expect(pages.isAppPage('')).toBe(false);
  });

  it('treats files under the renderer folder as its resources, and nothing outside it', () => {
    expect(pages.isAppResource(pathToFileURL(join(rendererDir, 'assets', 'a.js')).href)).toBe(true);
    expect(pages.isAppResource(`${pathToFileURL(rendererDir).href}/../main/index.js`)).toBe(false);
    expect(pages.isAppResource(pathToFileURL(`${rendererDir}-evil/index.html`).href)).toBe(false);
    expect(pages.isAppResource('https://example.com/')).toBe(false);
  });

  it('has a strict Content-Security-Policy', () => {
    expect(pages.contentSecurityPolicy).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
        "form-action 'none'",
    );
  });
});

describe('devServerPages', () => {
  it('accepts a dev server on this machine and allows its hot-reload socket', () => {
    const pages = devServerPages('http://localhost:5173/');
    expect(pages?.entry).toEqual({ kind: 'url', url: 'http://localhost:5173/' });
    expect(pages?.isAppPage('http://localhost:5173/')).toBe(true);
    expect(pages?.isAppPage('http://localhost:5173/index.html#x')).toBe(true);
    expect(pages?.isAppPage('http://localhost:5174/')).toBe(false);
    expect(pages?.isAppPage('http://127.0.0.1:5173/')).toBe(false);
    expect(pages?.isAppPage(indexUrl)).toBe(false);
    expect(pages?.contentSecurityPolicy).toContain(
      "connect-src 'self' http://localhost:5173 ws://localhost:5173",
    );
    expect(devServerPages('http://127.0.0.1:5173')).not.toBeNull();
    expect(devServerPages('http://[::1]:5173')).not.toBeNull();
  });

  it('refuses anything that is not a local http(s) server', () => {
    expect(devServerPages('https://evil.example.com/')).toBeNull();
    expect(devServerPages('http://192.168.1.5:5173/')).toBeNull();
    expect(devServerPages('file:///tmp/index.html')).toBeNull();
    expect(devServerPages('javascript:alert(1)')).toBeNull();
    expect(devServerPages('')).toBeNull();
  });
});

describe('isExternalWebUrl', () => {
  it('lets only http(s) links go to the system browser', () => {
    expect(isExternalWebUrl('https://example.com/')).toBe(true);
    expect(isExternalWebUrl('http://192.168.1.5:4321')).toBe(true);
    expect(isExternalWebUrl('file:///etc/passwd')).toBe(false);
    expect(isExternalWebUrl('javascript:alert(1)')).toBe(false);
    expect(isExternalWebUrl('smb://server/share')).toBe(false);
    expect(isExternalWebUrl('nonsense')).toBe(false);
  });
});
