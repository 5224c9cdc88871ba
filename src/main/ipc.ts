/**
 * Serves the IPC contract (IPC_REQUESTS in src/shared/ipc-contract.ts) to the window: registers the
 * handlers (src/desktop/ipc-handlers.ts, which check every argument) with ipcMain, and answers
 * only the app's own page in the window's main frame. Wiring only; the logic is in src/desktop.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { IPC_CHANNELS } from '../shared/ipc-contract';
import { fail } from '../shared/result';
import { ipcDispatcher, type IpcHandlers } from '../desktop/ipc-handlers';

export interface IpcRegistration {
  /** True for the app's own page (see src/desktop/app-pages.ts). */
  isAppPage(url: string): boolean;
  onError(error: unknown): void;
}

/** Registers a handler for every channel; returns a function that removes them. */
export function registerIpcHandlers(
  handlers: IpcHandlers,
  { isAppPage, onError }: IpcRegistration,
): () => void {
  const dispatch = ipcDispatcher(handlers, onError);
  for (const channel of IPC_CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isFromAppPage(event, isAppPage)) {
        return fail('forbidden', 'Only the Parley window may use this API.');
      }
      return dispatch(channel, args);
    });
  }
  return () => {
    for (const channel of IPC_CHANNELS) ipcMain.removeHandler(channel);
  };
}

function isFromAppPage(event: IpcMainInvokeEvent, isAppPage: (url: string) => boolean): boolean {
  // senderFrame is null once the frame has navigated away or been destroyed.
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && isAppPage(frame.url);
}
