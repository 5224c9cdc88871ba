/**
 * The main window and the security baseline around it, wired into Electron: a sandboxed renderer
 * with context isolation, a Content-Security-Policy header, no permissions beyond writing to the
 * clipboard, no device access, no navigation away from the app's page (in any frame), no new
 * windows (web links go to the system browser), no <webview>. The decisions themselves live in
 * security-policy.ts, where plain Node tests them.
 */
import { app, BrowserWindow, shell, type Session, type WebContents } from 'electron';
import type { AppPages } from '../desktop/app-pages';
import {
  isPermissionGranted,
  mayNavigate,
  webPreferencesFor,
  windowOpenOutcome,
  withContentSecurityPolicy,
} from './security-policy';

export interface MainWindowOptions {
  pages: AppPages;
  preloadPath: string;
  /** Window icon; only Linux uses it (Windows and macOS take the packaged app's icon). */
  iconPath?: string;
}

export function createMainWindow({
  pages,
  preloadPath,
  iconPath,
}: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1000,
    height: 720,
    minWidth: 520,
    minHeight: 420,
    title: 'Parley',
    show: false,
    autoHideMenuBar: true,
    ...(process.platform === 'linux' && iconPath ? { icon: iconPath } : {}),
    webPreferences: webPreferencesFor(preloadPath),
  });
  window.once('ready-to-show', () => window.show());

  const { entry } = pages;
  const loading = entry.kind === 'url' ? window.loadURL(entry.url) : window.loadFile(entry.path);
  loading.catch((error: unknown) => console.error('[parley] could not load the window:', error));
  return window;
}

/** Permissions, device access and the CSP header for every page of the session. */
export function secureSession(session: Session, pages: AppPages): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted(pages, permission, details.requestingUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    isPermissionGranted(pages, permission, details.requestingUrl),
  );
  // HID, serial and USB devices: no page gets one, not even one granted earlier in the session.
  // (Screen capture needs a display-media handler, and none is set: getDisplayMedia fails.)
  session.setDevicePermissionHandler(() => false);

  // The renderer's own <meta> CSP stays; the header also covers what the meta tag cannot
  // (and any page that would lack it).
  session.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = withContentSecurityPolicy(pages, details.url, details.responseHeaders);
    callback(responseHeaders ? { responseHeaders } : {});
  });
}

/** Applies the navigation rules to every web contents the app creates. */
export function secureWebContents(pages: AppPages): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      const { action, openExternally } = windowOpenOutcome(url);
      if (openExternally !== null) {
        shell
          .openExternal(openExternally)
          .catch((error: unknown) => console.error('[parley]', error));
      }
      return { action };
    });
    // will-navigate covers the main frame; will-frame-navigate also covers subframes.
    contents.on('will-navigate', (event) => {
      if (!mayNavigate(pages, event.url, true)) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (!mayNavigate(pages, event.url, event.isMainFrame)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!mayNavigate(pages, event.url, event.isMainFrame)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
