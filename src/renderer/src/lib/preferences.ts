/**
 * Remembers the last server URL between sessions, in localStorage. The nickname is a setting now
 * (settings-state.svelte.ts); its old key here is only read, as the nickname of someone who used
 * Parley before there were settings. Storage can be missing or full (private windows, quotas);
 * then nothing is remembered and nothing breaks.
 */
const KEYS = { nickname: 'parley.nickname', serverUrl: 'parley.serverUrl' } as const;

export type PreferenceName = keyof typeof KEYS;

export function loadPreference(name: PreferenceName): string | null {
  try {
    return localStorage.getItem(KEYS[name]);
  } catch {
    return null;
  }
}

export function savePreference(name: PreferenceName, value: string): void {
  try {
    localStorage.setItem(KEYS[name], value);
  } catch {
    // Not remembering is fine.
  }
}
