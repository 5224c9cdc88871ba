/**
 * Client-made message ids. crypto.randomUUID exists only in secure contexts, and the web client is
 * often opened over plain http on the LAN; getRandomValues works everywhere.
 */
export function createClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
