/**
 * Desktop notifications and the unread badge, for the main process: Electron's `Notification`
 * (one per room at a time: a newer message replaces the room's older notification), and the
 * unread count where each system shows one — `app.setBadgeCount` on the macOS dock and the Linux
 * Unity launcher (which needs the .desktop file the deb and AppImage install; other Linux desktops
 * show no badge and the call just returns false), an overlay icon on the Windows taskbar button
 * (Windows has no badge count). The page asks; ipc.ts has already checked what it asked for.
 */
import { app, nativeImage, Notification, type BrowserWindow } from 'electron';
import type { NotificationPermissionState, NotificationRequest } from '../shared/api';
import { escapeNotificationMarkup } from '../shared/notification-request';

export interface DesktopNotifierOptions {
  /** The main window, when there is one. */
  window: () => BrowserWindow | null;
  /** Shows and focuses the window (creating it if needed). */
  showWindow: () => void;
  /** Tells the page which room's notification was clicked. */
  onClick: (room: string) => void;
  /** The app icon, shown in notifications on Linux and Windows. */
  iconPath?: string;
  /** The Windows taskbar overlay shown while something is unread. */
  overlayIconPath?: string;
}

export class DesktopNotifier {
  readonly #options: DesktopNotifierOptions;
  /** Shown notifications by room; kept referenced, or their click handler could be collected. */
  readonly #shown = new Map<string, Notification>();

  constructor(options: DesktopNotifierOptions) {
    this.#options = options;
  }

  permission(): NotificationPermissionState {
    return Notification.isSupported() ? 'granted' : 'unsupported';
  }

  /** False where the system has no notifications. */
  notify({ title, body, room }: NotificationRequest): boolean {
    if (!Notification.isSupported()) return false;
    this.#shown.get(room)?.close();
    const notification = new Notification({
      title,
      body: process.platform === 'linux' ? escapeNotificationMarkup(body) : body,
      ...(this.#options.iconPath ? { icon: this.#options.iconPath } : {}),
    });
    const forget = () => {
      if (this.#shown.get(room) === notification) this.#shown.delete(room);
    };
    notification.on('click', () => {
      forget();
      this.#options.showWindow();
      this.#options.onClick(room);
    });
    notification.on('close', forget);
    this.#shown.set(room, notification);
    notification.show();
    return true;
  }

  /** The unread count on the badge (0 clears it); false where this system shows none. */
  setUnread(count: number): boolean {
    if (process.platform === 'win32') {
      const window = this.#options.window();
      const overlay = this.#options.overlayIconPath;
      if (!window || window.isDestroyed() || !overlay) return false;
      window.setOverlayIcon(
        count > 0 ? nativeImage.createFromPath(overlay) : null,
        count > 0 ? `${count} unread` : '',
      );
      return true;
    }
    return app.setBadgeCount(count);
  }

  /** Closes every notification still shown (the window is going away). */
  closeAll(): void {
    for (const notification of this.#shown.values()) notification.close();
    this.#shown.clear();
  }
}
