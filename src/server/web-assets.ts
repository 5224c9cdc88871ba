/**
 * Serves the built web client. Its folder is found from this module's own location, so it works
 * from a source checkout (out/web, built by `npm run build`), from the bundled CLI and main process
 * (out/cli, out/main → out/web) and from inside the packaged app's asar archive.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

export function findWebRoot(): string | null {
  const candidates = ['../web', '../../out/web'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(`${dir}/index.html`)) ?? null;
}

// The web client talks only to the server that served it (Socket.IO over the same origin).
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export function createWebHandler(webRoot: string | null): RequestHandler {
  const setSecurityHeaders = (response: ServerResponse) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
  };
  if (!webRoot) {
    return (_request, response) => {
      setSecurityHeaders(response);
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(
        'The Parley web client is not built. Run "npm run build" and restart the server.\n',
      );
    };
  }
  const serve = sirv(webRoot, { etag: true, single: true, setHeaders: setSecurityHeaders });
  return (request, response) =>
    serve(request, response, () => {
      setSecurityHeaders(response);
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Not found\n');
    });
}
