/**
 * The admin link of `parley serve`: the server's web address with a one-time token in the
 * fragment, `http://host:port/#admin=TOKEN`. The fragment is never sent in a request (not in
 * logs, not to a proxy); the web client reads it and joins with `adminToken`. Pure: the CLI and
 * the web client both use it.
 */
const PREFIX = '#admin=';
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/** The admin link for a server origin (`http://host:port`) and a token. */
export function buildAdminLink(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, '')}/${PREFIX}${token}`;
}

/** The token in a page's fragment (`location.hash`); null when it holds none (or a malformed one). */
export function adminTokenFromHash(hash: string): string | null {
  if (!hash.startsWith(PREFIX)) return null;
  const token = hash.slice(PREFIX.length);
  return TOKEN.test(token) ? token : null;
}
