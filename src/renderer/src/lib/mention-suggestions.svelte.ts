/**
 * @mention autocomplete in the composer: finding the "@name" being typed at the caret, the
 * people of the room whose nicknames start with it, the one picked with the arrow keys, and the
 * draft with the chosen nickname in place. Composer.svelte shows it as a listbox (MentionPopup).
 */
import { nicknameKey } from '../../../shared/schemas';

/** The most people the list offers at once. */
export const MAX_SUGGESTIONS = 8;

/** The "@name" being typed: where its "@" is and what follows it up to the caret. */
export interface MentionQuery {
  start: number;
  query: string;
}

// Nicknames may hold spaces, but a suggestion list that stayed open across words would get in
// the way of typing: the query is one word (letters, digits, ., _, -).
const QUERY_BEFORE_CARET = /(?:^|[\s([{"'])@([\p{L}\p{N}\p{M}._-]*)$/u;

/** The mention being typed before `caret`, or null. */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const match = QUERY_BEFORE_CARET.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1]!;
  return { start: caret - query.length - 1, query };
}

/**
 * The nicknames starting with `query` (ignoring case, as the server compares them), then those
 * containing it, each group in alphabetical order; `exclude` (the viewer) is left out.
 */
export function matchNicknames(
  query: string,
  nicknames: readonly string[],
  exclude: string | null = null,
  limit = MAX_SUGGESTIONS,
): string[] {
  const wanted = nicknameKey(query);
  const excluded = exclude === null ? null : nicknameKey(exclude);
  const starts: string[] = [];
  const contains: string[] = [];
  // A throwaway lookup, not state.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const seen = new Set<string>();
  for (const nickname of nicknames) {
    const key = nicknameKey(nickname);
    if (key === excluded || seen.has(key)) continue;
    seen.add(key);
    if (key.startsWith(wanted)) starts.push(nickname);
    else if (wanted !== '' && key.includes(wanted)) contains.push(nickname);
  }
  const byName = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base' });
  return [...starts.sort(byName), ...contains.sort(byName)].slice(0, limit);
}

/** The draft with the mention at `query` completed to `nickname` and a space after it. */
export function completeMention(
  text: string,
  query: MentionQuery,
  nickname: string,
): { text: string; caret: number } {
  const end = query.start + 1 + query.query.length;
  const rest = text.slice(end);
  const inserted = `@${nickname}${rest.startsWith(' ') ? '' : ' '}`;
  return {
    text: text.slice(0, query.start) + inserted + rest,
    caret: query.start + inserted.length + (rest.startsWith(' ') ? 1 : 0),
  };
}

/** The suggestion list's state: what was typed, what is offered, which one is active. */
export class MentionSuggestions {
  #query = $state.raw<MentionQuery | null>(null);
  #options = $state.raw<string[]>([]);
  #active = $state(0);
  /** Escape closed the list for this "@": it stays closed until another one is typed. */
  #dismissedAt: number | null = null;

  get open(): boolean {
    return this.#options.length > 0;
  }

  get options(): readonly string[] {
    return this.#options;
  }

  /** The text after the "@" being completed; null while the list is closed. */
  get query(): string | null {
    return this.#query?.query ?? null;
  }

  /** The index of the option Enter or Tab would choose. */
  get active(): number {
    return this.#active;
  }

  /** Looks at the draft again (after an edit or a caret move). */
  update(text: string, caret: number, nicknames: readonly string[], viewer: string | null): void {
    const query = mentionQueryAt(text, caret);
    if (query === null || query.start !== this.#dismissedAt) this.#dismissedAt = null;
    if (query === null || this.#dismissedAt !== null) {
      this.close();
      return;
    }
    const options = matchNicknames(query.query, nicknames, viewer);
    const previous = this.#options[this.#active];
    this.#query = query;
    this.#options = options;
    // The active one stays active while it is still offered.
    this.#active = Math.max(0, previous === undefined ? 0 : options.indexOf(previous));
  }

  /** Arrow keys: moves the active option, wrapping around. */
  move(delta: number): void {
    const count = this.#options.length;
    if (count === 0) return;
    this.#active = (((this.#active + delta) % count) + count) % count;
  }

  /** The draft with option `index` (default: the active one) in place; null when closed. */
  choose(text: string, index = this.#active): { text: string; caret: number } | null {
    const query = this.#query;
    const nickname = this.#options[index];
    if (query === null || nickname === undefined) return null;
    this.close();
    return completeMention(text, query, nickname);
  }

  /** Escape: closes the list; it opens again for the next "@". */
  dismiss(): void {
    this.#dismissedAt = this.#query?.start ?? null;
    this.close();
  }

  close(): void {
    this.#query = null;
    this.#options = [];
    this.#active = 0;
  }
}
