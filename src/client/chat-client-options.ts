/**
 * What ChatClient is given: its options (timeouts, ids, the outbox's store, how to trust https
 * servers) and connect()'s. Apart from the facade so that it stays a page of delegation.
 */
import type { OutboxStore } from '../shared/api';
import type { SecureTransportSource } from './connection';
import type { DeviceKey } from './device-key';

export interface ChatClientOptions {
  /** Proves who this app is when joining (identity); default a new key in memory: a new person. */
  deviceKey?: DeviceKey;
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Makes client message ids; default nanoid (21 URL-safe characters). */
  createId?: () => string;
  /** Reconnection back-off, in ms (socket.io-client's reconnectionDelay / reconnectionDelayMax). */
  reconnectDelayMs?: number;
  reconnectDelayMaxMs?: number;
  /** Keeps the outbox between runs (per server and nickname); default: memory only. */
  outboxStore?: OutboxStore | null;
  /** Where failures to keep the outbox are reported; default console.error. */
  onError?: (error: unknown) => void;
  clock?: () => number;
  /**
   * Asked before every connect to an https:// origin, with the certificate fingerprint a join link
   * gave (else null): how to trust the server's certificate, or a refusal (`certificate_changed`)
   * that connect() returns without connecting. Default none: the runtime's own checks.
   */
  secureTransport?: SecureTransportSource | null;
}

export interface ConnectOptions {
  /** The room's passphrase, for servers that ask for one (`passphrase_required`). */
  passphrase?: string;
  /** The certificate fingerprint a join link carried (`fp`), for secureTransport. */
  fingerprint?: string | null;
  /**
   * An admin link's one-time token (`#admin=…`): sent with the first join only (it works once;
   * the role is stored with this person, so rejoins need none).
   */
  adminToken?: string;
  /** A one-time code from another device of this person: this device joins as them (once). */
  link?: string;
}
