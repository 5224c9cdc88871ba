/**
 * Long messages are shown collapsed (with Show more): those over LONG_LINES lines or LONG_CHARS
 * characters. A context hands the message list's memory of which ones the reader expanded to
 * each message, so that one scrolled out of the (virtualized) list and back stays open.
 */
import { getContext, setContext } from 'svelte';

export const LONG_LINES = 12;
export const LONG_CHARS = 800;

/** Whether `text` is long enough to be collapsed. */
export function isLongText(text: string): boolean {
  if (text.length > LONG_CHARS) return true;
  let lines = 1;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    if (++lines > LONG_LINES) return true;
  }
  return false;
}

const EXPANDED = Symbol('expanded messages');

/** The keys of the messages the reader expanded (in the message list's memory). */
export function setExpandedContext(expanded: Set<string>): void {
  setContext(EXPANDED, expanded);
}

export function getExpandedContext(): Set<string> | undefined {
  return getContext<Set<string> | undefined>(EXPANDED);
}
