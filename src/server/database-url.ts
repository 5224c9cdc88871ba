/**
 * The PostgreSQL URL the commands take (`parley serve --database`, `parley migrate`), from the
 * option or from PARLEY_DATABASE_URL, and the one refusal of a malformed one: it never echoes the
 * URL back, which may hold a password.
 */

/** The URL to use, or a refusal in words (naming where it came from); undefined: none given. */
export function databaseUrlFrom(
  option: string | undefined,
  env: Record<string, string | undefined>,
): { url: string } | { error: string } | undefined {
  const url = option ?? env['PARLEY_DATABASE_URL'];
  if (url === undefined) return undefined;
  if (isDatabaseUrl(url)) return { url };
  return {
    error:
      `${option !== undefined ? '--database' : 'PARLEY_DATABASE_URL'} must be a ` +
      'PostgreSQL URL such as postgres://parley@db.example.org:5432/parley ' +
      '(postgres:// or postgresql://, a host, and the database name).',
  };
}

/** postgres:// or postgresql://, with a host and a database name (no path beyond it). */
function isDatabaseUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'postgres:' || url.protocol === 'postgresql:') &&
    // No host: a unix socket folder in ?host=… (libpq's form).
    (url.hostname !== '' || url.searchParams.has('host')) &&
    /^\/[^/]+$/.test(url.pathname)
  );
}
