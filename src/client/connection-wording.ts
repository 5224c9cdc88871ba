/**
 * What a failed or dropped connection is called, in words for people: the status line shows these
 * reasons, so they name the likely cause (nothing listening, wrong host, a certificate) rather than
 * the transport's error codes.
 */

/** The connection error's own words and its transport's (ws reports an ErrorEvent there). */
function connectErrorText(error: Error): string {
  const description = (error as { description?: unknown }).description;
  const inner =
    description instanceof Error
      ? description.message
      : typeof description === 'object' && description !== null
        ? String(
            (description as { message?: unknown }).message ??
              (description as { error?: { message?: unknown } }).error?.message ??
              '',
          )
        : String(description ?? '');
  return `${error.message} ${inner}`;
}

/** A TLS certificate Parley does not trust (self-signed, not the pinned one, expired, …). */
export function isCertificateError(error: Error): boolean {
  return /certificate|CERT_|self[- ]signed/i.test(connectErrorText(error));
}

/**
 * The reason a Parley server gave for refusing the connection (`connect_error` with an ErrorInfo
 * as its data, e.g. `server_full`), or null when the refusal did not come from the server.
 */
export function serverRefusal(error: Error): string | null {
  const data = (error as { data?: { code?: unknown; message?: unknown } }).data;
  return typeof data?.code === 'string' && typeof data.message === 'string' ? data.message : null;
}

export function describeConnectError(error: Error): string {
  const refusal = serverRefusal(error);
  if (refusal !== null) return refusal;
  const text = connectErrorText(error);
  if (/ECONNREFUSED/i.test(text))
    return 'Nothing is answering at that address: is the server running, and is the port right?';
  if (/ENOTFOUND|EAI_AGAIN/i.test(text)) return 'That host name could not be found.';
  if (/ETIMEDOUT|timeout/i.test(text)) return 'The server did not answer in time.';
  if (/EHOSTUNREACH|ENETUNREACH/i.test(text))
    return 'That address cannot be reached from this network.';
  if (/certificate|CERT|SSL|TLS/i.test(text))
    return "The server's secure connection could not be verified.";
  return `Could not connect to the server (${error.message}).`;
}

export function describeDisconnect(reason: string): string {
  switch (reason) {
    // 'io client disconnect' reaches here only when reconnectNow() dropped a quiet connection.
    case 'transport close':
    case 'transport error':
    case 'io client disconnect':
      return 'Connection to the server was lost.';
    case 'ping timeout':
      return 'The server stopped answering.';
    default:
      return `Disconnected (${reason}).`;
  }
}
