/**
 * Serves the ParleyApi contract (src/shared/api.ts) over IPC. Every handler first checks that the
 * request comes from the app's own page, checks the shape of its arguments (the renderer is not
 * trusted), and replies with a Result envelope: nothing is ever thrown across IPC, and the
 * preload unwraps the replies of the methods that do not return a Result.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { ChatClient } from '../client/chat-client';
import {
  IPC,
  type DiagnosticsReport,
  type DiscoveredRoom,
  type HostOptions,
  type JoinOptions,
} from '../shared/api';
import { LIMITS } from '../shared/limits';
import { fail, ok, type Result } from '../shared/result';
import { clientIdSchema } from '../shared/schemas';
import type { HostingService } from './hosting-service';
import type { JoinRequests } from './join-requests';
import type { SavedServers } from './saved-servers';

export interface IpcDependencies {
  hosting: HostingService;
  chat: ChatClient;
  /** The rooms LAN discovery currently lists. */
  rooms(): DiscoveredRoom[];
  servers: SavedServers;
  links: JoinRequests;
  diagnostics(): Promise<DiagnosticsReport>;
  /** True for the app's own page (see app-pages.ts). */
  isAppPage(url: string): boolean;
  onError(error: unknown): void;
}

type Handler = (...args: unknown[]) => Result | Promise<Result>;

const invalid = (message: string) => fail('invalid_payload', message);

/** Registers the handlers; returns a function that removes them. */
export function registerIpcHandlers(deps: IpcDependencies): () => void {
  const { hosting, chat, servers, links } = deps;

  const handlers: Record<string, Handler> = {
    [IPC.hostingStart]: (options) => {
      const given = (options ?? {}) as Record<string, unknown>;
      const port = given['port'];
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
        return fail('port_unavailable', 'The port must be a whole number from 0 to 65535.');
      }
      const start: HostOptions = { port };
      const { roomName, hostNickname, advertise, passphrase, secure } = given;
      if (roomName !== undefined) {
        if (typeof roomName !== 'string' || roomName.length > 200) {
          return invalid('The room name must be text of at most 200 characters.');
        }
        start.roomName = roomName;
      }
      if (hostNickname !== undefined) {
        if (
          typeof hostNickname !== 'string' ||
          hostNickname.length > LIMITS.nicknameMaxLength * 4
        ) {
          return invalid('The nickname must be short text.');
        }
        start.hostNickname = hostNickname;
      }
      if (advertise !== undefined) {
        if (typeof advertise !== 'boolean') return invalid('advertise must be true or false.');
        start.advertise = advertise;
      }
      if (passphrase !== undefined) {
        if (typeof passphrase !== 'string' || passphrase.length > LIMITS.passphraseMaxLength) {
          return invalid(
            `The passphrase must be text of at most ${LIMITS.passphraseMaxLength} characters.`,
          );
        }
        start.passphrase = passphrase;
      }
      if (secure !== undefined) {
        if (typeof secure !== 'boolean') return invalid('secure must be true or false.');
        start.secure = secure;
      }
      return hosting.start(start);
    },
    [IPC.hostingStop]: () => hosting.stop(),
    [IPC.hostingKick]: (userId) => {
      if (typeof userId !== 'string') return invalid('Not a user id.');
      return hosting.kick(userId);
    },
    [IPC.hostingStatus]: () => ok({ status: hosting.status() }),
    [IPC.chatConnect]: (url, nickname, options) => {
      if (typeof url !== 'string') return invalid('The server address must be text.');
      if (typeof nickname !== 'string') return invalid('Nickname must be text.');
      const join = joinOptions(options);
      if (!join) return invalid('Join options must be a passphrase and a fingerprint, as text.');
      return chat.connect(url, nickname, join);
    },
    [IPC.chatDisconnect]: async () => {
      await chat.disconnect();
      return ok({});
    },
    [IPC.chatPost]: (text) => {
      if (typeof text !== 'string') return invalid('Message must be text.');
      return chat.post(text);
    },
    [IPC.chatLoadOlder]: () => chat.loadOlder(),
    [IPC.chatRetry]: (clientId) => {
      if (!clientIdSchema.safeParse(clientId).success) return invalid('Not a message id.');
      return chat.retry(clientId as string);
    },
    [IPC.chatDiscard]: (clientId) => {
      if (!clientIdSchema.safeParse(clientId).success) return invalid('Not a message id.');
      return chat.discard(clientId as string);
    },
    [IPC.chatTyping]: async (typing) => {
      if (typeof typing !== 'boolean') return invalid('typing must be true or false.');
      await chat.setTyping(typing);
      return ok({});
    },
    [IPC.chatReconnectNow]: () => {
      chat.reconnectNow();
      return ok({});
    },
    [IPC.discoveryRooms]: () => ok({ rooms: deps.rooms() }),
    [IPC.linksSubscribe]: () => {
      // Links that arrived before the page could listen are sent now, as events.
      links.ready();
      return ok({});
    },
    [IPC.serversList]: () => ok({ servers: servers.list() }),
    [IPC.serversRename]: (url, name) => {
      if (typeof url !== 'string' || url.length > 2048) return invalid('The address must be text.');
      if (typeof name !== 'string' || name.length > 1000) return invalid('The name must be text.');
      return servers.rename(url, name);
    },
    [IPC.serversForget]: (url) => {
      if (typeof url !== 'string' || url.length > 2048) return invalid('The address must be text.');
      return servers.forget(url);
    },
    [IPC.diagnosticsRun]: async () => ok({ report: await deps.diagnostics() }),
  };

  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isFromAppPage(event, deps.isAppPage)) {
        return fail('forbidden', 'Only the Parley window may use this API.');
      }
      try {
        return await handler(...args);
      } catch (error) {
        deps.onError(error);
        return fail('internal', 'Something went wrong in Parley. Try again.');
      }
    });
  }
  return () => {
    for (const channel of Object.keys(handlers)) ipcMain.removeHandler(channel);
  };
}

function isFromAppPage(event: IpcMainInvokeEvent, isAppPage: (url: string) => boolean): boolean {
  // senderFrame is null once the frame has navigated away or been destroyed.
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppPage(frame.url);
}

/** The JoinOptions the page sent, checked; null when they are not that shape. */
function joinOptions(value: unknown): JoinOptions | null {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') return null;
  const { passphrase, fingerprint, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return null;
  if (passphrase !== undefined && typeof passphrase !== 'string') return null;
  if (fingerprint !== undefined && fingerprint !== null && typeof fingerprint !== 'string') {
    return null;
  }
  return {
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(typeof fingerprint === 'string' ? { fingerprint } : {}),
  };
}
