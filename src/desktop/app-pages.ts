/**
 * Which URLs are the app's own renderer: the built index.html (file://) or, in development, the
 * Vite dev server. The main process trusts IPC only from these pages, lets the window navigate
 * only to them, and gives them the Content-Security-Policy below.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface AppPages {
  /** What the window loads: a URL (dev server) or a file (the build). */
  readonly entry: { kind: 'url'; url: string } | { kind: 'file'; path: string };
  /** The app's own page: the one document allowed to use window.parley and to be navigated to. */
  isAppPage(url: string): boolean;
  /** Anything the app's page loads from its own place (gets the CSP header). */
  isAppResource(url: string): boolean;
  readonly contentSecurityPolicy: string;
}

const BASE_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  // blob: for inline previews of images people send (made in the page from the bytes).
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
};

function policy(extra: Record<string, string[]> = {}): string {
  return Object.entries(BASE_POLICY)
    .map(([directive, sources]) => [directive, ...sources, ...(extra[directive] ?? [])].join(' '))
    .join('; ');
}

/** The built renderer, loaded from its index.html (inside app.asar once packaged). */
export function filePages(indexPath: string): AppPages {
  const indexUrl = pathToFileURL(indexPath);
  const folderHref = new URL('.', indexUrl).href;
  const pathOf = (url: string): string | null => {
    try {
      const parsed = new URL(url);
      return parsed.protocol === 'file:' ? fileURLToPath(parsed) : null;
    } catch {
      return null;
    }
  };
  const index = pathOf(indexUrl.href);
  return {
    entry: { kind: 'file', path: indexPath },
    isAppPage: (url) => index !== null && pathOf(url) === index,
    isAppResource: (url) => {
      const path = pathOf(url);
      return path !== null && pathToFileURL(path).href.startsWith(folderHref);
    },
    contentSecurityPolicy: policy(),
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The Vite dev server, when its URL is a plain http(s) URL on this machine; anything else returns
 * null so the caller falls back to the build (an odd ELECTRON_RENDERER_URL must not get the API).
 */
export function devServerPages(devServerUrl: string): AppPages | null {
  let parsed: URL;
  try {
    parsed = new URL(devServerUrl);
  } catch {
    return null;
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || !LOOPBACK_HOSTS.has(parsed.hostname)) {
    return null;
  }
  const origin = parsed.origin;
  const socketOrigin = `${parsed.protocol === 'https:' ? 'wss:' : 'ws:'}//${parsed.host}`;
  const sameOrigin = (url: string) => {
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };
  return {
    entry: { kind: 'url', url: parsed.href },
    isAppPage: sameOrigin,
    isAppResource: sameOrigin,
    // Vite's client keeps a WebSocket to the dev server for hot module replacement.
    contentSecurityPolicy: policy({ 'connect-src': [origin, socketOrigin] }),
  };
}

/** Links the app may hand to the system browser. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
