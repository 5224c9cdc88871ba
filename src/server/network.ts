/**
 * The URLs people can use to reach a server bound to a given address: one per non-internal IPv4
 * interface when it listens on all of them, plus localhost. `https` for a server with TLS.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);
const LOOPBACKS = new Set(['127.0.0.1', 'localhost', '::1']);

export function joinUrls(
  host: string,
  port: number,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  scheme: 'http' | 'https' = 'http',
): string[] {
  const url = (address: string) =>
    `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
  if (LOOPBACKS.has(host))
    return [url(host === '::1' ? '::1' : host === 'localhost' ? 'localhost' : '127.0.0.1')];
  if (!WILDCARDS.has(host)) return [url(host)];
  const lan = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => url(entry.address));
  return [...new Set(lan), url('localhost')];
}
