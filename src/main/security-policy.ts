/**
 * The desktop shell's security decisions as plain functions: the window's web preferences, which
 * permission requests are granted, where a frame may navigate, what window.open does, and the
 * Content-Security-Policy header. window.ts only wires them into Electron; this module imports
 * nothing from electron at run time (types only), so Vitest checks every decision in plain Node.
 */
import type { WebPreferences } from 'electron';
import { isExternalWebUrl, type AppPages } from '../desktop/app-pages';

/**
 * The main window's renderer settings. Most values restate Electron's defaults on purpose: a
 * default that changes in an upgrade, or an option someone adds here, cannot quietly weaken the
 * window (security-policy.spec.ts pins each one).
 */
export function webPreferencesFor(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    // The page and the preload live in separate JavaScript worlds; the page sees only
    // window.parley.
    contextIsolation: true,
    // The renderer runs in Chromium's OS sandbox, and so does the preload (built as CommonJS).
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    // No <webview>: will-attach-webview is refused as well (window.ts).
    webviewTag: false,
    // A file or link dropped on the window must not replace the app's page.
    navigateOnDragDrop: false,
    // Middle-click ("auxclick") is another way for a link to ask for a new window.
    disableBlinkFeatures: 'Auxclick',
    // A page that keeps opening alert() boxes can be stopped by the person.
    safeDialogs: true,
  };
}

/** The only permission the app's page ever gets: the copy buttons write to the clipboard. */
const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Whether a permission request (or check) is granted: only the clipboard write, and only to the
 * app's own page. Camera, microphone, notifications, geolocation, HID/serial/USB, screen
 * capture, opening external protocols, and whatever Chromium adds later: denied.
 */
export function isPermissionGranted(
  pages: AppPages,
  permission: string,
  requestingUrl: string | undefined,
): boolean {
  return (
    GRANTED_PERMISSIONS.has(permission) &&
    requestingUrl !== undefined &&
    pages.isAppPage(requestingUrl)
  );
}

/**
 * Whether a frame may go to `url` (a link, a form, a redirect, a script setting location). Only
 * the main frame, and only to the app's own page (in-page #fragment changes included). The app
 * has no frames, so a subframe navigating anywhere is refused.
 */
export function mayNavigate(pages: AppPages, url: string, isMainFrame: boolean): boolean {
  return isMainFrame && pages.isAppPage(url);
}

/**
 * What window.open, target=_blank or a middle-click does: never a new Electron window. An http(s)
 * link goes to the system browser (openExternally); anything else (file:, javascript:, custom
 * protocols) is dropped.
 */
export function windowOpenOutcome(url: string): { action: 'deny'; openExternally: string | null } {
  return { action: 'deny', openExternally: isExternalWebUrl(url) ? url : null };
}

/**
 * The response headers for one response: the app's own resources get the app's CSP, replacing
 * any policy they came with (whatever the header's case); null leaves other responses alone.
 */
export function withContentSecurityPolicy(
  pages: AppPages,
  url: string,
  responseHeaders: Record<string, string[]> | undefined,
): Record<string, string[]> | null {
  if (!pages.isAppResource(url)) return null;
  const headers = Object.fromEntries(
    Object.entries(responseHeaders ?? {}).filter(
      ([name]) => name.toLowerCase() !== 'content-security-policy',
    ),
  );
  return { ...headers, 'Content-Security-Policy': [pages.contentSecurityPolicy] };
}
