/**
 * The desktop shell's security decisions (security-policy.ts), in plain Node: the web
 * preferences, the permission policy, navigation and window.open rules, and the CSP header.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devServerPages, filePages } from '../desktop/app-pages';
import {
  isPermissionGranted,
  mayNavigate,
  webPreferencesFor,
  windowOpenOutcome,
  withContentSecurityPolicy,
} from './security-policy';

const rendererDir = join('/opt', 'Parley', 'resources', 'app.asar', 'out', 'renderer');
const pages = filePages(join(rendererDir, 'index.html'));
const appPage = pathToFileURL(join(rendererDir, 'index.html')).href;
const appScript = pathToFileURL(join(rendererDir, 'assets', 'index.js')).href;

describe('webPreferencesFor', () => {
  const preferences = webPreferencesFor('/opt/Parley/preload/index.cjs');

  it('isolates and sandboxes the renderer, with the preload as its only bridge', () => {
    expect(preferences).toMatchObject({
      preload: '/opt/Parley/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keeps web security on and every risky feature off', () => {
    expect(preferences).toMatchObject({
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
    });
  });

  it('sets nothing else (an added option must be reviewed here)', () => {
    expect(Object.keys(preferences).sort()).toEqual(
      [
        'allowRunningInsecureContent',
        'contextIsolation',
        'disableBlinkFeatures',
        'experimentalFeatures',
        'navigateOnDragDrop',
        'nodeIntegration',
        'nodeIntegrationInSubFrames',
        'nodeIntegrationInWorker',
        'preload',
        'safeDialogs',
        'sandbox',
        'webSecurity',
        'webviewTag',
      ].sort(),
    );
  });
});

describe('isPermissionGranted', () => {
  it('grants the clipboard write to the app page only', () => {
    expect(isPermissionGranted(pages, 'clipboard-sanitized-write', appPage)).toBe(true);
    expect(isPermissionGranted(pages, 'clipboard-sanitized-write', `${appPage}#/chat`)).toBe(true);
    expect(isPermissionGranted(pages, 'clipboard-sanitized-write', 'https://example.com/')).toBe(
      false,
    );
    expect(isPermissionGranted(pages, 'clipboard-sanitized-write', undefined)).toBe(false);
  });

  it('denies every other permission, even to the app page', () => {
    for (const permission of [
      'clipboard-read',
      'media',
      'display-capture',
      'geolocation',
      'notifications',
      'hid',
      'serial',
      'usb',
      'openExternal',
      'fullscreen',
      'pointerLock',
      'fileSystem',
      'midiSysex',
      'a-permission-chromium-adds-later',
    ]) {
      expect(isPermissionGranted(pages, permission, appPage), permission).toBe(false);
    }
  });
});

describe('mayNavigate', () => {
  it('lets the main frame stay on the app page', () => {
    expect(mayNavigate(pages, appPage, true)).toBe(true);
    expect(mayNavigate(pages, `${appPage}#/rooms`, true)).toBe(true);
  });

  it('keeps the main frame from leaving the app page', () => {
    expect(mayNavigate(pages, 'https://example.com/', true)).toBe(false);
    expect(mayNavigate(pages, 'http://192.168.1.5:4321/', true)).toBe(false);
    expect(mayNavigate(pages, pathToFileURL('/etc/passwd').href, true)).toBe(false);
    expect(mayNavigate(pages, appScript, true)).toBe(false);
    expect(mayNavigate(pages, 'javascript:alert(1)', true)).toBe(false);
    expect(mayNavigate(pages, 'parley://join?url=http://x', true)).toBe(false);
  });

  it('refuses every subframe navigation, even to the app page', () => {
    expect(mayNavigate(pages, appPage, false)).toBe(false);
    expect(mayNavigate(pages, 'https://example.com/', false)).toBe(false);
  });

  it('follows the dev server when that is the app page', () => {
    const dev = devServerPages('http://localhost:5173/');
    expect(dev).not.toBeNull();
    expect(mayNavigate(dev!, 'http://localhost:5173/', true)).toBe(true);
    expect(mayNavigate(dev!, 'http://localhost:5174/', true)).toBe(false);
  });
});

describe('windowOpenOutcome', () => {
  it('never opens an Electron window; web links go to the system browser', () => {
    expect(windowOpenOutcome('https://example.com/a?b=c')).toEqual({
      action: 'deny',
      openExternally: 'https://example.com/a?b=c',
    });
    expect(windowOpenOutcome('http://192.168.1.5:4321')).toEqual({
      action: 'deny',
      openExternally: 'http://192.168.1.5:4321',
    });
  });

  it('drops everything that is not a web link', () => {
    for (const url of [
      appPage,
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://server/share',
      'parley://join?url=http://x',
      'about:blank',
      'not a url',
    ]) {
      expect(windowOpenOutcome(url), url).toEqual({ action: 'deny', openExternally: null });
    }
  });
});

describe('withContentSecurityPolicy', () => {
  it("puts the app's CSP on its own resources, replacing any policy they came with", () => {
    const headers = withContentSecurityPolicy(pages, appScript, {
      'content-security-policy': ["default-src *; script-src * 'unsafe-eval'"],
      'Content-Type': ['text/javascript'],
    });
    expect(headers).toEqual({
      'Content-Type': ['text/javascript'],
      'Content-Security-Policy': [pages.contentSecurityPolicy],
    });
  });

  it('adds the CSP when a resource came without headers', () => {
    expect(withContentSecurityPolicy(pages, appPage, undefined)).toEqual({
      'Content-Security-Policy': [pages.contentSecurityPolicy],
    });
  });

  it('leaves other responses alone', () => {
    expect(withContentSecurityPolicy(pages, 'https://example.com/', {})).toBeNull();
    expect(withContentSecurityPolicy(pages, pathToFileURL('/etc/hosts').href, {})).toBeNull();
  });
});

describe('no remote module', () => {
  // Electron removed `remote`; the @electron/remote package would bring it back.
  it('is not a dependency of the app', () => {
    const manifest = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
    );
    const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
    expect(names).not.toContain('@electron/remote');
  });
});
