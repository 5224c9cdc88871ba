/**
 * The shortcuts table: each binding matches its keys and only them (modifiers exact), the global
 * ones are the ones the chat screen handles, and what the sheet and aria-keyshortcuts say.
 */
import { describe, expect, it } from 'vitest';
import {
  ariaKeyShortcuts,
  GLOBAL_SHORTCUT_IDS,
  globalShortcutOf,
  matches,
  SHORTCUTS,
  shownKeys,
  shownShortcut,
  type KeyPress,
} from './shortcuts';

type Modifier = 'Control' | 'Meta' | 'Alt' | 'Shift';

/** A key press as KeyboardEvent describes it (tinykeys reads key, code and getModifierState). */
function press(key: string, ...held: Modifier[]): KeyPress {
  return {
    key,
    code: key.length === 1 ? `Key${key.toUpperCase()}` : key,
    getModifierState: (modifier: string) => held.includes(modifier as Modifier),
  };
}

describe('shortcuts', () => {
  it('matches each global shortcut to its keys, with exactly its modifiers', () => {
    // Not on a Mac (Node has no navigator.platform of one): $mod is Ctrl.
    expect(globalShortcutOf(press('k', 'Control'))?.id).toBe('quick-switcher');
    expect(globalShortcutOf(press('K', 'Control'))?.id).toBe('quick-switcher');
    expect(globalShortcutOf(press('k'))).toBeUndefined();
    expect(globalShortcutOf(press('k', 'Control', 'Shift'))).toBeUndefined();
    expect(globalShortcutOf(press('ArrowUp', 'Alt'))?.id).toBe('previous-conversation');
    expect(globalShortcutOf(press('ArrowDown', 'Alt'))?.id).toBe('next-conversation');
    expect(globalShortcutOf(press('ArrowUp', 'Alt', 'Shift'))?.id).toBe('previous-unread');
    expect(globalShortcutOf(press('ArrowDown', 'Alt', 'Shift'))?.id).toBe('next-unread');
    expect(globalShortcutOf(press('ArrowDown'))).toBeUndefined();
    expect(globalShortcutOf(press('ArrowDown', 'Control', 'Alt'))).toBeUndefined();
    expect(globalShortcutOf(press('F', 'Control', 'Shift'))?.id).toBe('search-messages');
    // "?" is Shift+/ on most layouts; some type it without Shift.
    expect(globalShortcutOf(press('?', 'Shift'))?.id).toBe('shortcuts');
    expect(globalShortcutOf(press('?'))?.id).toBe('shortcuts');
    expect(globalShortcutOf(press('/'))).toBeUndefined();
    // Escape belongs to whatever is on top, not to the chat screen.
    expect(globalShortcutOf(press('Escape'))).toBeUndefined();
  });

  it('matches the keys the message box and the messages handle', () => {
    expect(matches('send', press('Enter'))).toBe(true);
    expect(matches('send', press('Enter', 'Control'))).toBe(true);
    expect(matches('send', press('Enter', 'Shift'))).toBe(false);
    expect(matches('latest-message', press('End'))).toBe(true);
    expect(matches('latest-message', press('End', 'Control'))).toBe(true);
    expect(matches('latest-message', press('End', 'Shift'))).toBe(false);
    expect(matches('oldest-message', press('Home', 'Control'))).toBe(true);
    expect(matches('oldest-message', press('Home', 'Alt'))).toBe(false);
  });

  it('has one global shortcut per id the chat screen handles, and every one listed once', () => {
    const global = SHORTCUTS.filter((shortcut) =>
      (GLOBAL_SHORTCUT_IDS as readonly string[]).includes(shortcut.id),
    );
    expect(global.map((shortcut) => shortcut.id).sort()).toEqual([...GLOBAL_SHORTCUT_IDS].sort());
    expect(global.every((shortcut) => shortcut.scope === 'anywhere')).toBe(true);
    expect(new Set(SHORTCUTS.map((shortcut) => shortcut.id)).size).toBe(SHORTCUTS.length);
    // No two shortcuts share a key binding.
    const bindings = SHORTCUTS.flatMap((shortcut) => [
      ...shortcut.keys,
      ...(shortcut.hidden ?? []),
    ]);
    expect(new Set(bindings).size).toBe(bindings.length);
  });

  it('shows keys as people read them, Cmd on a Mac', () => {
    expect(shownKeys('$mod+k', false)).toEqual(['Ctrl', 'K']);
    expect(shownKeys('$mod+k', true)).toEqual(['Cmd', 'K']);
    expect(shownKeys('Alt+Shift+ArrowDown', false)).toEqual(['Alt', 'Shift', '↓']);
    expect(shownKeys('Shift+?', false)).toEqual(['?']);
    expect(shownKeys('Control+End', false)).toEqual(['Ctrl', 'End']);
    expect(shownShortcut('search-messages', false)).toBe('Ctrl+Shift+F');
  });

  it('says the keys in aria-keyshortcuts terms', () => {
    expect(ariaKeyShortcuts('quick-switcher', false)).toBe('Control+K');
    expect(ariaKeyShortcuts('quick-switcher', true)).toBe('Meta+K');
    expect(ariaKeyShortcuts('search-messages', false)).toBe('Control+Shift+F');
    expect(ariaKeyShortcuts('next-unread', false)).toBe('Alt+Shift+ArrowDown');
    expect(ariaKeyShortcuts('latest-message', false)).toBe('End Control+End');
  });
});
