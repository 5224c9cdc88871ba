/**
 * Every keyboard shortcut of the chat screen, in one table: the shortcuts sheet lists it, the
 * handlers match key presses against it (tinykeys parses and matches the key bindings, "$mod"
 * being Cmd on a Mac and Ctrl elsewhere), and buttons take their aria-keyshortcuts from it. A
 * shortcut cannot be listed without working, nor work without being listed.
 */
import { matchKeyBindingPress, parseKeybinding } from 'tinykeys';

/** The shortcuts the chat screen handles itself, wherever the focus is. */
export const GLOBAL_SHORTCUT_IDS = [
  'quick-switcher',
  'previous-conversation',
  'next-conversation',
  'previous-unread',
  'next-unread',
  'search-messages',
  'shortcuts',
] as const;

export type GlobalShortcutId = (typeof GLOBAL_SHORTCUT_IDS)[number];

/** The global ones, and those a control handles (the message box, the messages, Escape). */
export type ShortcutId =
  | GlobalShortcutId
  | 'close'
  | 'send'
  | 'new-line'
  | 'latest-message'
  | 'oldest-message'
  | 'previous-page'
  | 'next-page';

/** Where a shortcut works: anywhere on the chat screen, or with the focus in one place. */
export type ShortcutScope = 'anywhere' | 'message box' | 'messages';

export interface Shortcut {
  id: ShortcutId;
  scope: ShortcutScope;
  /** What it does, as the sheet says it. */
  description: string;
  /**
   * The key bindings, in tinykeys' syntax: one press each (`$mod+k`, `Alt+ArrowUp`); any of them
   * does it. The first ones are shown; `hidden` ones only match (a variant of the same keys).
   */
  keys: readonly string[];
  /** Bindings that match but are not shown (the same key on layouts that need no Shift for it). */
  hidden?: readonly string[];
  /** Works even with the focus in a text field (the others type into it there). */
  inTextFields?: boolean;
}

export const SHORTCUTS: readonly Shortcut[] = [
  {
    id: 'quick-switcher',
    scope: 'anywhere',
    description: 'Go to a room, a person or a server',
    keys: ['$mod+k'],
    inTextFields: true,
  },
  {
    id: 'previous-conversation',
    scope: 'anywhere',
    description: 'Previous conversation',
    keys: ['Alt+ArrowUp'],
    inTextFields: true,
  },
  {
    id: 'next-conversation',
    scope: 'anywhere',
    description: 'Next conversation',
    keys: ['Alt+ArrowDown'],
    inTextFields: true,
  },
  {
    id: 'previous-unread',
    scope: 'anywhere',
    description: 'Previous unread conversation',
    keys: ['Alt+Shift+ArrowUp'],
    inTextFields: true,
  },
  {
    id: 'next-unread',
    scope: 'anywhere',
    description: 'Next unread conversation',
    keys: ['Alt+Shift+ArrowDown'],
    inTextFields: true,
  },
  {
    id: 'search-messages',
    scope: 'anywhere',
    description: 'Search messages',
    keys: ['$mod+Shift+f'],
    inTextFields: true,
  },
  {
    id: 'shortcuts',
    scope: 'anywhere',
    description: 'Show keyboard shortcuts (not while typing)',
    keys: ['Shift+?'],
    hidden: ['?'],
  },
  {
    id: 'close',
    scope: 'anywhere',
    description: 'Close the dialog, panel, popup or picker on top',
    keys: ['Escape'],
    inTextFields: true,
  },
  {
    id: 'send',
    scope: 'message box',
    description: 'Send the message',
    keys: ['Enter'],
    hidden: ['Control+Enter', 'Meta+Enter'],
  },
  { id: 'new-line', scope: 'message box', description: 'New line', keys: ['Shift+Enter'] },
  {
    id: 'latest-message',
    scope: 'messages',
    description: 'Jump to the latest message',
    keys: ['End', 'Control+End'],
  },
  {
    id: 'oldest-message',
    scope: 'messages',
    description: 'Jump to the oldest message (older ones load)',
    keys: ['Home', 'Control+Home'],
  },
  { id: 'previous-page', scope: 'messages', description: 'Scroll up a page', keys: ['PageUp'] },
  { id: 'next-page', scope: 'messages', description: 'Scroll down a page', keys: ['PageDown'] },
];

/** The part of a KeyboardEvent that matching reads (a plain object in unit specs). */
export type KeyPress = Pick<KeyboardEvent, 'key' | 'code' | 'getModifierState'>;

const parsed = new Map(
  SHORTCUTS.map((shortcut) => [
    shortcut.id,
    [...shortcut.keys, ...(shortcut.hidden ?? [])].map((keys) => parseKeybinding(keys)[0]!),
  ]),
);

/** True when `event` is one of the key bindings of shortcut `id`. */
export function matches(id: ShortcutId, event: KeyPress): boolean {
  return (parsed.get(id) ?? []).some((press) =>
    matchKeyBindingPress(event as KeyboardEvent, press),
  );
}

/** The global shortcut that `event` is, if any. */
export function globalShortcutOf(
  event: KeyPress,
): (Shortcut & { id: GlobalShortcutId }) | undefined {
  return SHORTCUTS.find(
    (shortcut): shortcut is Shortcut & { id: GlobalShortcutId } =>
      isGlobal(shortcut.id) && matches(shortcut.id, event),
  );
}

function isGlobal(id: ShortcutId): id is GlobalShortcutId {
  return (GLOBAL_SHORTCUT_IDS as readonly string[]).includes(id);
}

export function shortcut(id: ShortcutId): Shortcut {
  return SHORTCUTS.find((candidate) => candidate.id === id)!;
}

/** True on a Mac, where "$mod" is Cmd (tinykeys decides the same way). */
export function isMac(platform = typeof navigator === 'object' ? navigator.platform : ''): boolean {
  return /Mac|iPod|iPhone|iPad/.test(platform);
}

const SHOWN: Record<string, string> = {
  ArrowUp: '↑',
  ArrowDown: '↓',
  Control: 'Ctrl',
  Escape: 'Esc',
};

/** The keys of one binding as shown: `['Ctrl', 'K']`, `['Alt', 'Shift', '↓']`, `['?']`. */
export function shownKeys(binding: string, mac = isMac()): string[] {
  const parts = binding.split(/\b\+/);
  const key = parts.pop()!;
  const mods = parts
    // "?" is typed with Shift: saying so adds nothing.
    .filter((mod) => !(mod === 'Shift' && key === '?'))
    .map((mod) => (mod === '$mod' ? (mac ? 'Cmd' : 'Ctrl') : (SHOWN[mod] ?? mod)));
  return [...mods, SHOWN[key] ?? (key.length === 1 ? key.toUpperCase() : key)];
}

/** A shortcut's first binding as text, for a tooltip: "Ctrl+Shift+F", "?". */
export function shownShortcut(id: ShortcutId, mac = isMac()): string {
  return shownKeys(shortcut(id).keys[0]!, mac).join('+');
}

/** The aria-keyshortcuts value of a shortcut (ARIA's names: Control, Meta, ArrowUp…). */
export function ariaKeyShortcuts(id: ShortcutId, mac = isMac()): string {
  return shortcut(id)
    .keys.map((binding) => binding.replace('$mod', mac ? 'Meta' : 'Control'))
    .map((binding) => binding.replace(/\+([a-z])$/, (_, key: string) => `+${key.toUpperCase()}`))
    .join(' ');
}
