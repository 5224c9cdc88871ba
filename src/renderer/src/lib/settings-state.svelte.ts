/**
 * The person's settings (nickname, notification preferences), kept in step with
 * `window.parley.settings`: the desktop app's settings file, or the browser's localStorage. Changes
 * are applied here at once and saved; one the provider refuses is rolled back and its reason kept
 * in `error` for the Settings dialog to show.
 */
import type { ParleyApi } from '../../../shared/api';
import {
  DEFAULT_SETTINGS,
  withRoomMuted,
  type NotificationPreferences,
  type Settings,
  type SettingsPatch,
} from '../../../shared/settings';

export class SettingsState {
  readonly #api: ParleyApi['settings'];
  #settings = $state.raw<Settings>(DEFAULT_SETTINGS);
  #error = $state<string | null>(null);
  #loaded: Promise<Settings> | null = null;

  constructor(api: ParleyApi['settings']) {
    this.#api = api;
  }

  get settings(): Settings {
    return this.#settings;
  }

  get notifications(): NotificationPreferences {
    return this.#settings.notifications;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Reads the stored settings (once); a provider that fails leaves the defaults. */
  load(): Promise<Settings> {
    this.#loaded ??= this.#api.get().then(
      (settings) => (this.#settings = settings),
      () => this.#settings,
    );
    return this.#loaded;
  }

  isMuted(room: string): boolean {
    return this.#settings.notifications.mutedRooms.includes(room);
  }

  setMuted(room: string, muted: boolean): Promise<void> {
    const mutedRooms = withRoomMuted(this.#settings.notifications.mutedRooms, room, muted);
    return this.update({ notifications: { mutedRooms } });
  }

  async update(patch: SettingsPatch): Promise<void> {
    const before = this.#settings;
    // Shown at once (a toggle must not lag behind the click); the provider's answer is final.
    this.#settings = {
      ...before,
      ...(patch.nickname === undefined ? {} : { nickname: patch.nickname }),
      ...(patch.awayAfterSeconds === undefined ? {} : { awayAfterSeconds: patch.awayAfterSeconds }),
      notifications: { ...before.notifications, ...patch.notifications },
    };
    const result = await this.#api.update(patch).catch((error: unknown) => ({
      ok: false as const,
      error: { message: error instanceof Error ? error.message : String(error) },
    }));
    if (result.ok) {
      this.#error = null;
      this.#settings = result.settings;
    } else {
      this.#error = `Could not save the settings: ${result.error.message}`;
      this.#settings = before;
    }
  }
}
