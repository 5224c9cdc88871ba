/**
 * Turns what people type into a "Server URL" box into the origin ChatClient connects to.
 * Accepts `192.168.1.5:4321`, `host:port`, `host`, `[::1]:4321`, `http://…` and `https://…`
 * (and the `ws://`/`wss://` equivalents); anything else gets a clear message before any
 * connection is attempted.
 */
import { DEFAULT_PORT } from './limits';
import { fail, ok, type Result } from './result';

export interface JoinTarget {
  /** Normalized origin, e.g. `http://192.168.1.5:4321`. */
  url: string;
  /** True for https: the connection uses TLS (secure WebSocket). */
  secure: boolean;
}

const SCHEMES: Record<string, 'http:' | 'https:'> = {
  'http:': 'http:',
  'https:': 'https:',
  'ws:': 'http:',
  'wss:': 'https:',
};

export function parseJoinUrl(input: string): Result<JoinTarget> {
  const text = input.trim();
  if (text === '')
    return fail('invalid_url', 'Enter the address of a Parley server, like 192.168.1.5:4321.');
  if (/\s/.test(text))
    return fail('invalid_url', `"${text}" is not an address: it contains spaces.`);

  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  let candidate = text;
  if (schemeMatch) {
    const scheme = `${schemeMatch[1]!.toLowerCase()}:`;
    if (!(scheme in SCHEMES)) {
      return fail(
        'invalid_url',
        `"${schemeMatch[1]}://" is not supported: use http:// or https://.`,
      );
    }
  } else {
    candidate = `http://${text}`;
  }

  const explicitPort = explicitPortOf(text, Boolean(schemeMatch));
  if (explicitPort === 'invalid') {
    return fail('invalid_url', 'The port must be a number from 1 to 65535.');
  }

  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return fail(
      'invalid_url',
      `"${text}" is not a valid address. Try something like 192.168.1.5:4321.`,
    );
  }
  if (parsed.username || parsed.password) {
    return fail('invalid_url', 'Addresses with a user name or password are not supported.');
  }
  if (!parsed.hostname) return fail('invalid_url', `"${text}" has no host name.`);
  if (!isPlausibleHost(parsed.hostname)) {
    return fail('invalid_url', `"${parsed.hostname}" is not a valid host name or IP address.`);
  }

  const protocol = SCHEMES[parsed.protocol]!;
  // Without a scheme and without a port, people mean Parley's default port, not port 80.
  const port = explicitPort ?? (schemeMatch ? null : DEFAULT_PORT);
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const portPart = port === null || port === defaultPort ? '' : `:${port}`;
  return ok({ url: `${protocol}//${parsed.hostname}${portPart}`, secure: protocol === 'https:' });
}

function isPlausibleHost(hostname: string): boolean {
  if (hostname.startsWith('[')) return true; // IPv6 literal, already validated by URL
  // URL accepts hosts such as "a..b" or "-x"; refuse what DNS never resolves.
  return hostname.split('.').every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i.test(label));
}

/** The port as typed (URL drops default ports and accepts none outside 0–65535). */
function explicitPortOf(text: string, hasScheme: boolean): number | null | 'invalid' {
  const rest = hasScheme ? text.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '') : text;
  const authority = rest.split(/[/?#]/, 1)[0]!.replace(/^.*@/, '');
  const match = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const portText = match?.[1];
  if (portText === undefined) return null;
  if (!/^\d{1,5}$/.test(portText)) return 'invalid';
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? port : 'invalid';
}
