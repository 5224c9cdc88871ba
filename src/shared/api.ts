/**
 * The contract between the renderer and whatever provides `window.parley`: the preload script in
 * the desktop app (backed by the main process over IPC) or the in-page bridge of the web client
 * (backed directly by ChatClient). The renderer knows only this interface.
 */
import type { ChatMessage, JoinedSession, User } from './protocol';
import type { ErrorInfo, Result } from './result';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Server origin, when there is one. */
  url: string | null;
  /** Why the connection is not (or no longer) up, in words people understand. */
  reason: string | null;
}

/** What ChatClient reports; the UI state is built from these alone. */
export type ChatEvent =
  | { type: 'status'; status: ConnectionStatus }
  | { type: 'session'; session: JoinedSession }
  | { type: 'message'; message: ChatMessage }
  | { type: 'user-joined'; user: User }
  | { type: 'user-left'; user: User }
  | { type: 'typing'; user: User; typing: boolean }
  | { type: 'notice'; text: string }
  | { type: 'error'; error: ErrorInfo };

export interface HostingStatus {
  running: boolean;
  port: number | null;
  /** URLs others can use to join (one per network interface, plus localhost). */
  urls: string[];
}

export interface HostOptions {
  port: number;
}

export type Unsubscribe = () => void;

export interface ParleyApi {
  /** What this runtime can do: the browser client cannot host. */
  readonly runtime: { kind: 'desktop' | 'web'; canHost: boolean; defaultServerUrl: string | null };
  readonly hosting: {
    start(options: HostOptions): Promise<Result<{ status: HostingStatus }>>;
    stop(): Promise<Result<{ status: HostingStatus }>>;
    status(): Promise<HostingStatus>;
    onStatus(listener: (status: HostingStatus) => void): Unsubscribe;
  };
  readonly chat: {
    connect(url: string, nickname: string): Promise<Result<{ session: JoinedSession }>>;
    disconnect(): Promise<void>;
    send(text: string): Promise<Result<{ message: ChatMessage }>>;
    setTyping(typing: boolean): Promise<void>;
    onEvent(listener: (event: ChatEvent) => void): Unsubscribe;
  };
}

/** IPC channel names (`service:method`), shared by the main process and the preload. */
export const IPC = {
  hostingStart: 'hosting:start',
  hostingStop: 'hosting:stop',
  hostingStatus: 'hosting:status',
  hostingStatusChanged: 'hosting:status-changed',
  chatConnect: 'chat:connect',
  chatDisconnect: 'chat:disconnect',
  chatSend: 'chat:send',
  chatTyping: 'chat:typing',
  chatEvent: 'chat:event',
} as const;
