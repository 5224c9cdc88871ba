/**
 * Answers `GET /server-info.json` (src/shared/server-info.ts) ahead of the web client's files:
 * the server's name and protocol version, as JSON that no cache keeps (a restart may rename it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVER_INFO_PATH, type ServerInfo } from '../shared/server-info';
import type { RequestHandler } from './web-assets';

export function withServerInfo(info: ServerInfo, next: RequestHandler): RequestHandler {
  const body = JSON.stringify(info);
  return (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== SERVER_INFO_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
      next(request, response);
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
