/**
 * The `desktop` part of `window.parley` in the browser: notifications through the web
 * Notification API, shown only once the person allowed them (the page asks from a click on
 * "Turn on notifications"; browsers ignore a request that no click led to), and the unread count
 * on the app badge where the browser has one (the Badging API, for installed web apps). The tab
 * title, which shows the count everywhere, is set by the page itself (alerts-state.svelte.ts).
 */
import type { NotificationPermissionState, ParleyApi } from '../../shared/api';
import { notificationRequestSchema, unreadCountSchema } from '../../shared/notification-request';
import { fail, ok } from '../../shared/result';
import { describeIssues } from '../../shared/schemas';

function permission(): NotificationPermissionState {
  // Browsers allow notifications only in a secure context (https, or this machine): say so,
  // rather than offer a button that can never work.
  if (!isSecureContext) return 'insecure';
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export function browserDesktop(): ParleyApi['desktop'] {
  const listeners = new Set<(room: string) => void>();
  /** The notification shown per room: a newer message replaces it. */
  const shown = new Map<string, Notification>();

  return {
    async notify(notification) {
      const parsed = notificationRequestSchema.safeParse(notification);
      if (!parsed.success)
        return fail('invalid_payload', describeIssues(parsed.error, notification));
      if (permission() !== 'granted') {
        return fail('unsupported', 'This browser does not allow Parley to show notifications.');
      }
      const { title, body, room } = parsed.data;
      shown.get(room)?.close();
      let shownNow: Notification;
      try {
        // `tag` also makes the system replace the room's older notification, where it keeps one.
        shownNow = new Notification(title, { body, tag: `parley-room:${room}` });
      } catch (error) {
        // Some browsers (Chrome on Android) only notify from a service worker.
        return fail('unsupported', error instanceof Error ? error.message : String(error));
      }
      shown.set(room, shownNow);
      shownNow.addEventListener('click', () => {
        window.focus();
        shownNow.close();
        for (const listener of [...listeners]) listener(room);
      });
      shownNow.addEventListener('close', () => {
        if (shown.get(room) === shownNow) shown.delete(room);
      });
      return ok({});
    },
    async setUnread(count) {
      const parsed = unreadCountSchema.safeParse(count);
      if (!parsed.success) return fail('invalid_payload', describeIssues(parsed.error, count));
      // Only installed web apps have a badge; elsewhere the call is refused, which is fine.
      if ('setAppBadge' in navigator) {
        const badge =
          parsed.data > 0 ? navigator.setAppBadge(parsed.data) : navigator.clearAppBadge();
        await badge.catch(() => undefined);
      }
      return ok({});
    },
    notificationPermission: async () => permission(),
    async requestNotificationPermission() {
      const now = permission();
      if (now === 'unsupported' || now === 'insecure') return now;
      return Notification.requestPermission();
    },
    onNotificationClick(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
