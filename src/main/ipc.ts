/**
 * Serves the ParleyApi contract (src/shared/api.ts) over IPC. Every handler first checks that the
 * request comes from the app's own page, checks the shape of its arguments (the renderer is not
 * trusted), and replies with a Result envelope: nothing is ever thrown across IPC, and the
 * preload unwraps the replies of the methods that do not return a Result.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { ChatClient } from '../client/chat-client';
import { IPC } from '../shared/api';
import { fail, ok, type Result } from '../shared/result';
import type { HostingService } from './hosting-service';

export interface IpcDependencies {
  hosting: HostingService;
  chat: ChatClient;
  /** True for the app's own page (see app-pages.ts). */
  isAppPage(url: string): boolean;
  onError(error: unknown): void;
}

type Handler = (...args: unknown[]) => Result | Promise<Result>;

const invalid = (message: string) => fail('invalid_payload', message);

/** Registers the handlers; returns a function that removes them. */
export function registerIpcHandlers(deps: IpcDependencies): () => void {
  const { hosting, chat } = deps;

  const handlers: Record<string, Handler> = {
    [IPC.hostingStart]: (options) => {
      const port = (options as { port?: unknown } | null)?.port;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
        return fail('port_unavailable', 'The port must be a whole number from 0 to 65535.');
      }
      return hosting.start({ port });
    },
    [IPC.hostingStop]: () => hosting.stop(),
    [IPC.hostingStatus]: () => ok({ status: hosting.status() }),
    [IPC.chatConnect]: (url, nickname) => {
      if (typeof url !== 'string') return invalid('The server address must be text.');
      if (typeof nickname !== 'string') return invalid('Nickname must be text.');
      return chat.connect(url, nickname);
    },
    [IPC.chatDisconnect]: async () => {
      await chat.disconnect();
      return ok({});
    },
    [IPC.chatSend]: (text) => {
      if (typeof text !== 'string') return invalid('Message must be text.');
      return chat.send(text);
    },
    [IPC.chatTyping]: async (typing) => {
      if (typeof typing !== 'boolean') return invalid('typing must be true or false.');
      await chat.setTyping(typing);
      return ok({});
    },
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
