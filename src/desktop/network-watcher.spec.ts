import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../tests/support/chat';
import { NetworkWatcher, networkSignature } from './network-watcher';

const lo = { address: '127.0.0.1', internal: true } as NetworkInterfaceInfo;
const wifi = (address: string) => ({ address, internal: false }) as NetworkInterfaceInfo;

describe('NetworkWatcher', () => {
  it('calls back when the addresses change, not when they stay the same', async () => {
    let interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = { lo: [lo], wlan0: [wifi('10.0.0.2')] };
    let changes = 0;
    const watcher = new NetworkWatcher({
      intervalMs: 10,
      interfaces: () => interfaces,
      onChange: () => changes++,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(changes).toBe(0);
      interfaces = { lo: [lo], wlan0: [wifi('192.168.1.7')] };
      await waitFor(() => changes === 1, 'the change');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(changes).toBe(1);
    } finally {
      watcher.stop();
    }
  });

  it('ignores loopback and the order interfaces are listed in', () => {
    expect(networkSignature({ a: [wifi('10.0.0.2')], b: [wifi('10.0.0.3'), lo] })).toBe(
      networkSignature({ b: [wifi('10.0.0.3')], a: [wifi('10.0.0.2')] }),
    );
  });
});
