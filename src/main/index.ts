/**
 * The Electron main process: one window, the hosting service ("Host a room", announced on the
 * LAN), one ChatClient, LAN discovery for the start screen, saved servers, settings,
 * notifications and the unread badge, `parley://` join links, and the IPC that serves them to
 * the renderer. Wiring only: the chat server (src/server), the client (src/client), and the
 * desktop's services, stores, IPC handlers and page rules (src/desktop) live in modules that
 * plain Node tests.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  powerMonitor,
  session,
  type MessageBoxOptions,
} from 'electron';
import iconPath from '../../resources/icon.png?asset';
import unreadBadgePath from '../../resources/unread-badge.png?asset';
import { ChatClient } from '../client/chat-client';
import { FileTransfers } from '../client/file-transfers';
import { pinningTransport } from '../client/node/certificate-pin';
import { fileDeviceKey } from '../client/node/file-device-key';
import { openOutboxFile } from '../desktop/outbox-file';
import { runDiagnostics } from '../desktop/diagnostics';
import { advertiseRoom, type DiscoveryNetworkOptions } from '../server/discovery';
import { describeForLog } from '../server/errors';
import { RoomBrowser } from '../desktop/room-browser';
import type { IpcEvent, IpcEvents } from '../shared/ipc-contract';
import { findJoinLinkArgument, JOIN_LINK_SCHEME } from '../shared/join-link';
import { devServerPages, filePages, type AppPages } from '../desktop/app-pages';
import { HostingService } from '../desktop/hosting-service';
import { createIpcHandlers } from '../desktop/ipc-handlers';
import { registerIpcHandlers } from './ipc';
import { JoinRequests } from '../desktop/join-requests';
import { NetworkWatcher } from '../desktop/network-watcher';
import { PinnedCertificates } from '../desktop/pinned-certificates';
import { SavedServers } from '../desktop/saved-servers';
import { DesktopNotifier } from './desktop-notifier';
import { SettingsFile } from '../desktop/settings-file';
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
  const onError = (error: unknown) => console.error('[parley]', describeForLog(error));
  const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
  const pages = rendererPages();
  // PARLEY_DISCOVERY=off turns LAN discovery off (tests that must not send multicast on the
  // machine's network); an IPv4 address limits it to that interface.
  const discoverySetting = process.env['PARLEY_DISCOVERY'];
  const discovery: DiscoveryNetworkOptions | null =
    discoverySetting === 'off'
      ? null
      : { onError, ...(discoverySetting ? { interface: discoverySetting } : {}) };
  // The hosted room's history lives in the profile, so it survives restarts of the app.
  const hosting = new HostingService({
    dataDir: join(app.getPath('userData'), 'room'),
    advertise: discovery && ((room) => advertiseRoom(room, discovery)),
    onError,
  });
  // Messages not yet acknowledged survive a restart of the app (sent on the next join).
  const chat = new ChatClient({
    outboxStore: openOutboxFile(join(app.getPath('userData'), 'outbox.json'), onError),
    onError,
    // Who this app is on every server (identity): made once, kept in the profile.
    deviceKey: fileDeviceKey(join(app.getPath('userData'), 'device-key.pem')),
    // https servers: their certificate is pinned on first use (or from a join link) and a
    // different one is refused (certificate_changed).
    secureTransport: pinningTransport(
      PinnedCertificates.open(join(app.getPath('userData'), 'pinned-certificates.json'), {
        onError,
      }),
      { onError },
    ),
  });
  let mainWindow: BrowserWindow | null = null;
  let rooms: RoomBrowser | null = null;
  let network: NetworkWatcher | null = null;
  /** Set once the person agreed to stop hosting (or was not hosting): quit without asking. */
  let quitConfirmed = false;
  let cleanedUp = false;
  let asking: Promise<boolean> | null = null;

  const send = <E extends IpcEvent>(channel: E, payload: IpcEvents[E]) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
  };
  chat.onEvent((event) => send('chat:event', event));
  const files = new FileTransfers(chat);
  files.onProgress((progress) => send('files:progress', progress));
  hosting.onStatus((status) => {
    send('hosting:status-changed', status);
    rooms?.recheck();
  });

  const links = new JoinRequests((request) => send('links:join-request', request));
  const offerLink = (link: string | null) => {
    if (link === null) return;
    const offered = links.offer(link);
    if (!offered.ok) onError(new Error(`Ignored a link: ${offered.error.message}`));
  };
  // The link that launched the app (Windows, Linux); macOS sends 'open-url' instead, which
  // can come before 'ready', so it is listened to right away.
  offerLink(findJoinLinkArgument(process.argv));
  app.on('open-url', (event, url) => {
    event.preventDefault();
    offerLink(url);
    showWindow();
  });
  if (app.isPackaged) {
    // Installers register the scheme too (electron-builder.yml); this keeps it pointing at this
    // copy. Development builds leave the system's choice alone.
    app.setAsDefaultProtocolClient(JOIN_LINK_SCHEME);
  }

  /** After sleep or a network change: reconnect now, and look for rooms again. */
  const networkMayHaveChanged = () => {
    chat.reconnectNow();
    rooms?.refresh();
  };

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
    // A page that (re)loads must subscribe again before it is sent join links.
    window.webContents.on('did-start-loading', () => links.reset());
    window.on('closed', () => {
      links.reset();
      notifier.closeAll();
      if (mainWindow === window) mainWindow = null;
      // The session belongs to the window's UI; a new window starts from the start screen.
      void chat.disconnect();
    });
    mainWindow = window;
  };

  const showWindow = () => {
    if (!app.isReady()) return;
    if (!mainWindow) {
      openWindow();
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  };

  // Notifications and the unread badge; clicking a notification shows the window and its room.
  const notifier = new DesktopNotifier({
    window: () => mainWindow,
    showWindow,
    onClick: (room) => send('desktop:notification-clicked', room),
    iconPath,
    overlayIconPath: unreadBadgePath,
  });

  app.on('second-instance', (_event, argv) => {
    // Windows and Linux start a second instance for a clicked parley:// link.
    offerLink(findJoinLinkArgument(argv));
    showWindow();
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
      network?.stop();
      await Promise.race([
        Promise.allSettled([chat.disconnect(), hosting.stop(), rooms?.stop()]),
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

  void app.whenReady().then(async () => {
    secureSession(session.defaultSession, pages);
    secureWebContents(pages);

    // Every server joined is remembered, newest first (never fails: an unreadable file means
    // an empty list).
    const servers = await SavedServers.open(join(app.getPath('userData'), 'servers.json'), {
      onError,
    });
    servers.onChanged((list) => send('servers:changed', list));
    chat.onEvent((event) => {
      const url = chat.status.url;
      if (event.type !== 'session' || url === null) return;
      void servers
        .record({
          url,
          serverName: event.session.serverName,
          nickname: event.session.self.nickname,
        })
        .then((saved) => {
          if (!saved.ok) onError(new Error(saved.error.message));
        });
    });

    // Nickname and notification preferences (never fails: an unreadable file means defaults).
    const settings = await SettingsFile.open(join(app.getPath('userData'), 'settings.json'), {
      onError,
    });

    // Rooms on the LAN, for the start screen. Never blocks or throws: no network, no rooms.
    rooms = discovery && new RoomBrowser({ ...discovery, isOwn: (id) => hosting.isOwnRoom(id) });
    rooms?.onRooms((list) => send('discovery:rooms-changed', list));

    powerMonitor.on('resume', networkMayHaveChanged);
    network = new NetworkWatcher({ onChange: networkMayHaveChanged, onError });

    const handlers = createIpcHandlers({
      hosting,
      chat,
      servers,
      links,
      rooms: () => rooms?.rooms ?? [],
      diagnostics: () =>
        runDiagnostics({
          hosting: hosting.status(),
          discovery: {
            available: rooms !== null && rooms.problem === null,
            roomsFound: rooms?.rooms.filter((room) => !room.own).length ?? 0,
            problem: rooms ? rooms.problem : 'LAN discovery is turned off (PARLEY_DISCOVERY=off).',
          },
        }),
      desktop: notifier,
      settings,
      files,
      // The name is sanitized by the server; the dialog lets the person change it and the folder.
      chooseSavePath: async (suggestedName) => {
        const options = { defaultPath: join(app.getPath('downloads'), suggestedName) };
        const chosen =
          mainWindow && !mainWindow.isDestroyed()
            ? await dialog.showSaveDialog(mainWindow, options)
            : await dialog.showSaveDialog(options);
        return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
      },
    });
    registerIpcHandlers(handlers, { isAppPage: pages.isAppPage, onError });
    openWindow();
  });
}

/** The dev server while developing (`npm run dev`), else the built renderer. */
function rendererPages(): AppPages {
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  const dev = !app.isPackaged && devUrl ? devServerPages(devUrl) : null;
  return dev ?? filePages(fileURLToPath(new URL('../renderer/index.html', import.meta.url)));
}
