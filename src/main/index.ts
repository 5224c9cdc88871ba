/**
 * The Electron main process: one window, the hosting service ("Host a room"), one ChatClient, and
 * the IPC that serves them to the renderer. Wiring only: the chat server, the client and the rules
 * about which pages are trusted live in modules that plain Node tests.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, type MessageBoxOptions } from 'electron';
import iconPath from '../../resources/icon.png?asset';
import { ChatClient } from '../client/chat-client';
import { IPC } from '../shared/api';
import { devServerPages, filePages, type AppPages } from './app-pages';
import { HostingService } from './hosting-service';
import { registerIpcHandlers } from './ipc';
import { createMainWindow, secureSession, secureWebContents } from './window';

const SHUTDOWN_TIMEOUT_MS = 5_000;

// A throwaway profile (tests, trying things out). Set before the single-instance lock, which is
// held per profile.
const userData = process.env['PARLEY_USER_DATA'];
if (userData) app.setPath('userData', resolve(userData));

if (app.requestSingleInstanceLock()) {
  run();
} else {
  // Another Parley runs with this profile; it shows its window (see 'second-instance').
  app.quit();
}

function run(): void {
  const onError = (error: unknown) => console.error('[parley]', error);
  const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
  const pages = rendererPages();
  // The hosted room's history lives in the profile, so it survives restarts of the app.
  const hosting = new HostingService({ dataDir: join(app.getPath('userData'), 'room'), onError });
  const chat = new ChatClient();
  let mainWindow: BrowserWindow | null = null;
  /** Set once the person agreed to stop hosting (or was not hosting): quit without asking. */
  let quitConfirmed = false;
  let cleanedUp = false;
  let asking: Promise<boolean> | null = null;

  const send = (channel: string, payload: unknown) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  };
  chat.onEvent((event) => send(IPC.chatEvent, event));
  hosting.onStatus((status) => send(IPC.hostingStatusChanged, status));

  /** Asks before closing Parley stops a room others are in; true when it may go ahead. */
  const confirmStopHosting = (): Promise<boolean> => {
    if (quitConfirmed || !hosting.status().running) return Promise.resolve(true);
    asking ??= (async () => {
      const options: MessageBoxOptions = {
        type: 'warning',
        title: 'Parley',
        message: 'You are hosting a room. Closing Parley stops the room for everyone connected.',
        buttons: ['Stop hosting and quit', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
      };
      const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : null;
      const { response } = window
        ? await dialog.showMessageBox(window, options)
        : await dialog.showMessageBox(options);
      quitConfirmed = response === 0;
      return quitConfirmed;
    })().finally(() => {
      asking = null;
    });
    return asking;
  };

  const openWindow = () => {
    const window = createMainWindow({ pages, preloadPath, iconPath });
    window.on('close', (event) => {
      if (quitConfirmed || !hosting.status().running) return;
      event.preventDefault();
      void confirmStopHosting().then((confirmed) => {
        if (confirmed) app.quit();
      });
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
      // The session belongs to the window's UI; a new window starts from the start screen.
      void chat.disconnect();
    });
    mainWindow = window;
  };

  app.on('second-instance', () => {
    if (!mainWindow) {
      if (app.isReady()) openWindow();
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });

  // Quitting (menu, Cmd+Q, last window closed, the OS logging out): ask first when hosting, then
  // leave the room and stop the server cleanly before the process ends.
  app.on('before-quit', (event) => {
    if (cleanedUp) return;
    event.preventDefault();
    void confirmStopHosting().then(async (confirmed) => {
      if (!confirmed || cleanedUp) return;
      // Clients are told the room is closing; a server that does not finish must not keep the
      // app from quitting.
      await Promise.race([
        Promise.allSettled([chat.disconnect(), hosting.stop()]),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS)),
      ]);
      cleanedUp = true;
      app.quit();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  void app.whenReady().then(() => {
    secureSession(session.defaultSession, pages);
    secureWebContents(pages);
    registerIpcHandlers({ hosting, chat, isAppPage: pages.isAppPage, onError });
    openWindow();
  });
}

/** The dev server while developing (`npm run dev`), else the built renderer. */
function rendererPages(): AppPages {
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  const dev = !app.isPackaged && devUrl ? devServerPages(devUrl) : null;
  return dev ?? filePages(fileURLToPath(new URL('../renderer/index.html', import.meta.url)));
}
