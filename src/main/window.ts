/**
 * The main window and the security baseline around it: a sandboxed renderer with context
 * isolation, a Content-Security-Policy header, no permissions beyond writing to the clipboard, no
 * navigation away from the app's page, no new windows (web links go to the system browser), no
 * <webview>.
 */
import { app, BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { isExternalWebUrl, type AppPages } from './app-pages';

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
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());

  const { entry } = pages;
  const loading = entry.kind === 'url' ? window.loadURL(entry.url) : window.loadFile(entry.path);
  loading.catch((error: unknown) => console.error('[parley] could not load the window:', error));
  return window;
}

/** Permissions and the CSP header for every page of the session. */
export function secureSession(session: Session, pages: AppPages): void {
  // Copy buttons (the join URLs) write to the clipboard; nothing else is ever granted.
  const allowed = (permission: string, url: string | undefined) =>
    permission === 'clipboard-sanitized-write' && url !== undefined && pages.isAppPage(url);
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowed(permission, details.requestingUrl)),
  );
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    allowed(permission, details.requestingUrl),
  );

  // The renderer's own <meta> CSP stays; the header also covers what the meta tag cannot
  // (and any page that would lack it).
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!pages.isAppResource(details.url)) {
      callback({});
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(
        ([name]) => name.toLowerCase() !== 'content-security-policy',
      ),
    );
    callback({
      responseHeaders: { ...headers, 'Content-Security-Policy': [pages.contentSecurityPolicy] },
    });
  });
}

/** Applies the navigation rules to every web contents the app creates. */
export function secureWebContents(pages: AppPages): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalWebUrl(url)) {
        shell.openExternal(url).catch((error: unknown) => console.error('[parley]', error));
      }
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!pages.isAppPage(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!pages.isAppPage(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
