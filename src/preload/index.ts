/**
 * The preload script: exposes exactly the ParleyApi contract as `window.parley`, backed by the
 * main process over IPC. Sandboxed and built as CommonJS; it never exposes ipcRenderer itself,
 * and each subscription returns a disposer that removes exactly its own listener.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC,
  type ChatEvent,
  type HostingStatus,
  type ParleyApi,
  type Unsubscribe,
} from '../shared/api';
import type { ChatMessage, JoinedSession } from '../shared/protocol';
import type { Result } from '../shared/result';

/** Every IPC reply is a Result envelope (see src/main/ipc.ts): the main process never throws. */
function invoke<T extends object = object>(
  channel: string,
  ...args: unknown[]
): Promise<Result<T>> {
  return ipcRenderer.invoke(channel, ...args) as Promise<Result<T>>;
}

/** For the methods whose contract returns a plain value: a failure becomes a thrown Error. */
function unwrap<T extends object>(result: Result<T>): T {
  if (result.ok) return result;
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}

function subscribe<T>(channel: string, listener: (payload: T) => void): Unsubscribe {
  const onMessage = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, onMessage);
  return () => {
    ipcRenderer.removeListener(channel, onMessage);
  };
}

const api = {
  runtime: { kind: 'desktop', canHost: true, defaultServerUrl: null },
  hosting: {
    start: (options) => invoke<{ status: HostingStatus }>(IPC.hostingStart, { port: options.port }),
    stop: () => invoke<{ status: HostingStatus }>(IPC.hostingStop),
    status: async () => unwrap(await invoke<{ status: HostingStatus }>(IPC.hostingStatus)).status,
    onStatus: (listener) => subscribe<HostingStatus>(IPC.hostingStatusChanged, listener),
  },
  chat: {
    connect: (url, nickname) => invoke<{ session: JoinedSession }>(IPC.chatConnect, url, nickname),
    disconnect: async () => {
      unwrap(await invoke(IPC.chatDisconnect));
    },
    send: (text) => invoke<{ message: ChatMessage }>(IPC.chatSend, text),
    setTyping: async (typing) => {
      unwrap(await invoke(IPC.chatTyping, typing));
    },
    onEvent: (listener) => subscribe<ChatEvent>(IPC.chatEvent, listener),
  },
} satisfies ParleyApi;

contextBridge.exposeInMainWorld('parley', api);
