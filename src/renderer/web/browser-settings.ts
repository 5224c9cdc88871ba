/**
 * The `settings` part of `window.parley` in the browser: the same settings as the desktop app's
 * settings file (src/shared/settings.ts), kept in localStorage. Storage can be missing or full
 * (private windows, quotas): the settings then last as long as the page, and nothing fails.
 */
import type { ParleyApi } from '../../shared/api';
import { ok } from '../../shared/result';
import { applySettingsPatch, readSettings, type Settings } from '../../shared/settings';

const SETTINGS_KEY = 'parley.settings';
/** Where the nickname was kept before there were settings: still read once, as the default. */
const LEGACY_NICKNAME_KEY = 'parley.nickname';

export function browserSettings(): ParleyApi['settings'] {
  let settings = load();
  return {
    get: async () => settings,
    async update(patch) {
      const patched = applySettingsPatch(settings, patch);
      if (!patched.ok) return patched;
      settings = patched.settings;
      try {
        localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
      } catch {
        // Not stored: kept for this page only.
      }
      return ok({ settings });
    },
  };
}

function load(): Settings {
  let stored: string | null = null;
  let legacyNickname: string | null = null;
  try {
    stored = localStorage.getItem(SETTINGS_KEY);
    legacyNickname = localStorage.getItem(LEGACY_NICKNAME_KEY);
  } catch {
    // No storage: the defaults.
  }
  let value: unknown;
  try {
    value = stored === null ? null : JSON.parse(stored);
  } catch {
    value = null;
  }
  const { settings } = readSettings(value);
  if (stored !== null || !legacyNickname) return settings;
  const withNickname = applySettingsPatch(settings, { nickname: legacyNickname });
  return withNickname.ok ? withNickname.settings : settings;
}
