/**
 * Network diagnostics for "I can't find the other machine": this machine's addresses and which
 * join URL uses each, whether the hosted room answers on loopback and on each address (a real
 * Engine.IO handshake, not just an open port), and the usual causes in plain words when
 * discovery finds nothing. Node-only; the desktop app shows the report in a panel.
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { DiagnosticHint, DiagnosticsReport, NetworkAddress, PortCheck } from '../shared/api';

export interface DiagnosticsInput {
  hosting: { running: boolean; port: number | null; urls: readonly string[] };
  discovery: { available: boolean; roomsFound: number; problem: string | null };
  /** The machine's interfaces; default os.networkInterfaces(). Tests pass loopback-only ones. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** How long each port check may take, in ms; default 2000. */
  timeoutMs?: number;
  clock?: () => number;
}

/** Interface names of VPN tunnels on Linux, macOS and Windows. */
const VPN_NAME =
  /^(tun|tap|utun|wg|ppp|ipsec|gpd|zt|cscotun|wintun)\d*|vpn|wireguard|tailscale|zerotier|nordlynx|openvpn|anyconnect|globalprotect|forticlient/i;

export async function runDiagnostics(input: DiagnosticsInput): Promise<DiagnosticsReport> {
  const clock = input.clock ?? Date.now;
  const addresses = listAddresses(input.interfaces ?? networkInterfaces(), input.hosting.urls);
  const { port } = input.hosting;
  const checks: PortCheck[] = [];
  if (input.hosting.running && port !== null) {
    const timeoutMs = input.timeoutMs ?? 2_000;
    // A room hosted with TLS answers https only (its join URLs say which).
    const secure = input.hosting.urls.some((url) => url.startsWith('https:'));
    const targets = [
      { host: '127.0.0.1', label: '127.0.0.1' },
      ...addresses.map((entry) => {
        // Link-local IPv6 needs the interface (zone) to be reachable at all.
        const host =
          entry.family === 'IPv6' && entry.linkLocal
            ? `${entry.address}%${entry.interfaceName}`
            : entry.address;
        return { host, label: entry.family === 'IPv6' ? `[${host}]` : host };
      }),
    ];
    checks.push(
      ...(await Promise.all(
        targets.map(async ({ host, label }) => ({
          target: `${label}:${port}`,
          ...(await checkParleyPort(host, port, timeoutMs, secure)),
        })),
      )),
    );
  }
  return {
    checkedAt: clock(),
    addresses,
    hosting: { running: input.hosting.running, port, checks },
    discovery: { ...input.discovery },
    hints: diagnosisHints({ ...input, addresses, checks }),
  };
}

/** Every non-loopback address, per interface, with the join URL that uses it (if any). */
export function listAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  joinUrls: readonly string[] = [],
): NetworkAddress[] {
  const hosts = new Map<string, string>();
  for (const url of joinUrls) {
    try {
      hosts.set(new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase(), url);
    } catch {
      // Not a URL: nothing uses it.
    }
  }
  const result: NetworkAddress[] = [];
  for (const [interfaceName, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      const family = entry.family === 'IPv6' ? 'IPv6' : 'IPv4';
      const address = entry.address.toLowerCase();
      result.push({
        interfaceName,
        address: entry.address,
        family,
        cidr: entry.cidr ?? null,
        linkLocal: family === 'IPv6' ? /^fe[89ab]/.test(address) : address.startsWith('169.254.'),
        vpn: VPN_NAME.test(interfaceName) || isCarrierGradeNat(address),
        joinUrl: hosts.get(address) ?? null,
      });
    }
  }
  return result;
}

/**
 * Asks `host:port` for an Engine.IO handshake (`GET /socket.io/?EIO=4&transport=polling`), the
 * first thing any Parley client does, and closes the session it opened. ok only for a real one.
 * `secure`: over TLS, for a room hosted with a certificate.
 */
export function checkParleyPort(
  host: string,
  port: number,
  timeoutMs = 2_000,
  secure = false,
): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ok, detail });
    };
    const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
    const timer = setTimeout(() => {
      req.destroy();
      finish(false, `No answer within ${seconds}: a firewall may be dropping the connection.`);
    }, timeoutMs);
    const req = (secure ? httpsRequest : request)(
      {
        host,
        port,
        ...tlsOptions(secure),
        path: '/socket.io/?EIO=4&transport=polling',
        method: 'GET',
        family: isIP(host.replace(/%.*$/, '')) || undefined,
        agent: false,
        headers: { connection: 'close' },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        response.on('end', () => {
          const handshake = parseHandshake(body);
          if (response.statusCode === 200 && typeof handshake?.sid === 'string') {
            closeSession(host, port, handshake.sid, secure);
            finish(true, 'Answering: Parley is reachable here.');
          } else {
            finish(
              false,
              `Something else answered (HTTP ${response.statusCode}): is another program using port ${port}?`,
            );
          }
        });
        response.on('error', (error) => finish(false, describeError(error, seconds)));
      },
    );
    req.on('error', (error) => finish(false, describeError(error, seconds)));
    req.end();
  });
}

/** The Engine.IO open packet (`0{"sid":…}`) of a polling handshake, or null. */
function parseHandshake(body: string): { sid?: unknown } | null {
  const json = /^0(\{.*\})/.exec(body)?.[1];
  if (!json) return null;
  try {
    return JSON.parse(json) as { sid?: unknown };
  } catch {
    return null;
  }
}

/** Ends the Engine.IO session a check opened (a polling `close` packet), so it does not linger. */
function closeSession(host: string, port: number, sid: string, secure: boolean): void {
  const req = (secure ? httpsRequest : request)({
    host,
    port,
    ...tlsOptions(secure),
    path: `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'text/plain;charset=UTF-8', connection: 'close' },
  });
  req.on('response', (response) => response.resume());
  req.on('error', () => {});
  req.end('1');
}

/**
 * Over TLS, any certificate will do: the check asks whether the room answers, not whether to
 * trust it (joining pins the certificate, see src/client/node/certificate-pin.ts).
 */
function tlsOptions(secure: boolean): { rejectUnauthorized?: boolean } {
  return secure ? { rejectUnauthorized: false } : {};
}

function describeError(error: NodeJS.ErrnoException, seconds: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'Nothing is listening there.';
    case 'ETIMEDOUT':
      return `No answer within ${seconds}: a firewall may be dropping the connection.`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'That address cannot be reached from this computer.';
    case 'EADDRNOTAVAIL':
      return 'This computer no longer has that address.';
    default:
      return `The check failed (${error.code ?? error.message}).`;
  }
}

interface HintFacts {
  hosting: DiagnosticsInput['hosting'];
  discovery: DiagnosticsInput['discovery'];
  addresses: NetworkAddress[];
  checks: PortCheck[];
}

/** The likely causes, most useful first, in words for people who are not network engineers. */
export function diagnosisHints(facts: HintFacts): DiagnosticHint[] {
  const hints: DiagnosticHint[] = [];
  const usable = facts.addresses.filter((entry) => !entry.linkLocal);
  const port = facts.hosting.port;
  const portText = port === null ? 'the port Parley uses' : `TCP port ${port}`;

  if (usable.length === 0) {
    hints.push({
      id: 'no-network',
      title: 'This computer is not connected to a network.',
      detail:
        'Connect to Wi-Fi or plug in a network cable. Others can only join over a network you share.',
    });
  }
  if (facts.hosting.running) {
    const [loopback, ...others] = facts.checks;
    if (loopback && !loopback.ok) {
      hints.push({
        id: 'port-not-answering',
        title: 'Your room is not answering, even on this computer.',
        detail: `${loopback.detail} Stop hosting and host again; if that does not help, choose another port.`,
      });
    } else {
      const silent = others.filter((check) => !check.ok).map((check) => check.target);
      if (silent.length > 0) {
        hints.push({
          id: 'address-not-answering',
          title: `Your room does not answer at ${silent.join(', ')}.`,
          detail:
            'Others cannot join through those addresses. Share a join link that uses an address that answers.',
        });
      }
    }
  }
  if (!facts.discovery.available) {
    hints.push({
      id: 'discovery-unavailable',
      title: 'Parley cannot look for rooms on this network.',
      detail: `${facts.discovery.problem ?? 'Network discovery is not running.'} Joining by address still works.`,
    });
  }
  const nothingFound = facts.discovery.roomsFound === 0;
  if (facts.hosting.running || nothingFound) {
    hints.push({
      id: 'firewall',
      title: facts.hosting.running
        ? 'If others cannot join, a firewall on this computer may be blocking Parley.'
        : 'A firewall may be hiding rooms from Parley.',
      detail:
        'When your system asks whether Parley may use the network, allow it on private networks. ' +
        'Windows: Windows Security › Firewall & network protection › Allow an app through firewall. ' +
        'macOS: System Settings › Network › Firewall › Options. ' +
        `Linux: allow ${portText} for hosting, and UDP port 5353 (mDNS) for finding rooms.`,
    });
  }
  if (nothingFound) {
    hints.push({
      id: 'client-isolation',
      title: 'Guest and public Wi-Fi often keep devices from seeing each other.',
      detail:
        'Many guest, hotel and campus networks isolate every device. Use the main network, or a ' +
        'phone hotspot that everyone joins. On an isolated network, joining by address fails too.',
    });
  }
  const vpns = [...new Set(facts.addresses.filter((e) => e.vpn).map((e) => e.interfaceName))];
  if (vpns.length > 0) {
    hints.push({
      id: 'vpn',
      title: `A VPN is on (${vpns.join(', ')}): it can hide the local network.`,
      detail:
        'Disconnect the VPN while you use Parley, or turn on its "allow local network access" ' +
        'option. Join links that use the VPN address only work for others on the same VPN.',
    });
  }
  if (nothingFound || !facts.discovery.available) {
    hints.push({
      id: 'join-by-url',
      title: 'You can always join by address.',
      detail:
        'Ask the host for the address in their Host panel (like http://192.168.1.5:4321) and ' +
        'enter it under Join by URL, or scan their QR code with a phone.',
    });
  }
  return hints;
}

/** 100.64.0.0/10, used by Tailscale and other overlay networks. */
function isCarrierGradeNat(address: string): boolean {
  const match = /^100\.(\d+)\./.exec(address);
  return match !== null && Number(match[1]) >= 64 && Number(match[1]) <= 127;
}
