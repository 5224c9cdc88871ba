/**
 * The words for failed and dropped connections: the cause is found in the error's own message or
 * in its transport's (an Error in Node, an ErrorEvent-like object from ws).
 */
import { describe, expect, it } from 'vitest';
import {
  describeConnectError,
  describeDisconnect,
  isCertificateError,
  serverRefusal,
} from './connection-wording';

/** A socket.io-client connect_error as it arrives: its transport's error in `description`. */
function connectError(message: string, description?: unknown): Error {
  return Object.assign(new Error(message), { description });
}

describe('connection wording', () => {
  it('names the cause of a failed connection, wherever the transport put it', () => {
    expect(
      describeConnectError(connectError('websocket error', new Error('connect ECONNREFUSED'))),
    ).toMatch(/^Nothing is answering at that address/);
    expect(
      describeConnectError(
        connectError('websocket error', { error: { message: 'getaddrinfo ENOTFOUND parley.lan' } }),
      ),
    ).toBe('That host name could not be found.');
    expect(describeConnectError(connectError('timeout'))).toBe(
      'The server did not answer in time.',
    );
    expect(
      describeConnectError(connectError('websocket error', { message: 'connect EHOSTUNREACH' })),
    ).toBe('That address cannot be reached from this network.');
    expect(describeConnectError(connectError('websocket error', 'SSL alert'))).toBe(
      "The server's secure connection could not be verified.",
    );
    expect(describeConnectError(connectError('xhr poll error'))).toBe(
      'Could not connect to the server (xhr poll error).',
    );
  });

  it("shows a server's own reason for refusing the connection as it is", () => {
    const reason =
      'The server is full: it has as many connections as it allows (500). Try again later.';
    const refused = Object.assign(new Error(reason), {
      data: { code: 'server_full', message: reason },
    });
    expect(describeConnectError(refused)).toBe(reason);
    expect(serverRefusal(refused)).toBe(reason);
    expect(serverRefusal(connectError('websocket error', new Error('connect ECONNREFUSED')))).toBe(
      null,
    );
  });

  it('tells certificate errors from other failures', () => {
    expect(
      isCertificateError(connectError('websocket error', new Error('self-signed certificate'))),
    ).toBe(true);
    expect(
      isCertificateError(
        connectError('websocket error', { error: { message: 'ERR_TLS_CERT_ALTNAME_INVALID' } }),
      ),
    ).toBe(true);
    expect(
      isCertificateError(connectError('websocket error', new Error('connect ECONNREFUSED'))),
    ).toBe(false);
  });

  it('says why a connection dropped', () => {
    expect(describeDisconnect('transport close')).toBe('Connection to the server was lost.');
    expect(describeDisconnect('io client disconnect')).toBe('Connection to the server was lost.');
    expect(describeDisconnect('ping timeout')).toBe('The server stopped answering.');
    expect(describeDisconnect('parse error')).toBe('Disconnected (parse error).');
  });
});
