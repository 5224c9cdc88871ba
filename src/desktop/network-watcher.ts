/**
 * NetworkWatcher: notices when this machine's network addresses change (Wi-Fi switched, cable
 * plugged in, VPN up or down), so the app can reconnect at once and look for rooms again.
 * Electron's main process has no such event; polling os.networkInterfaces() is cheap.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface NetworkWatcherOptions {
  onChange: () => void;
  /** How often to look, in ms; default 3000. */
  intervalMs?: number;
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  onError?: (error: unknown) => void;
}

/** The non-loopback addresses, sorted: equal strings mean the same network situation. */
export function networkSignature(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  return Object.entries(interfaces)
    .flatMap(([name, entries]) =>
      (entries ?? []).filter((e) => !e.internal).map((e) => `${name} ${e.address}`),
    )
    .sort()
    .join('\n');
}

export class NetworkWatcher {
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(options: NetworkWatcherOptions) {
    const read = options.interfaces ?? networkInterfaces;
    const onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
    let last = networkSignature(read());
    this.#timer = setInterval(() => {
      try {
        const now = networkSignature(read());
        if (now === last) return;
        last = now;
        options.onChange();
      } catch (error) {
        onError(error);
      }
    }, options.intervalMs ?? 3_000);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
