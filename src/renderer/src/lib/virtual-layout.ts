/**
 * The arithmetic of the virtualized message list: where each entry sits (measured heights, an
 * estimate for the ones not rendered yet), which entries a scroll position needs, and where to
 * scroll so that the entry the reader was looking at stays put when entries above it change.
 * Pure and DOM-free, so Vitest can check it; MessageList.svelte does the measuring and scrolling.
 */

/** Height assumed for an entry nobody has measured yet, until some have been. */
export const DEFAULT_ENTRY_HEIGHT = 56;

/** Heights of rendered entries by their stable key; unmeasured ones get the running average. */
export class SizeCache {
  readonly #sizes = new Map<string, number>();
  #total = 0;

  /** The height assumed for an entry that was never rendered: the average of those measured. */
  get estimate(): number {
    return this.#sizes.size === 0 ? DEFAULT_ENTRY_HEIGHT : this.#total / this.#sizes.size;
  }

  get(key: string): number {
    return this.#sizes.get(key) ?? this.estimate;
  }

  /** Records a measured height; says whether it differs from what was known. */
  set(key: string, height: number): boolean {
    const known = this.#sizes.get(key);
    // Sub-pixel noise from zoom and fractional line heights must not re-lay everything out.
    if (known !== undefined && Math.abs(known - height) < 0.5) return false;
    this.#total += height - (known ?? 0);
    this.#sizes.set(key, height);
    return true;
  }

  /** Drops the heights of entries that are gone (a left room, a replaced pending message). */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, height] of this.#sizes) {
      if (!keys.has(key)) {
        this.#sizes.delete(key);
        this.#total -= height;
      }
    }
  }
}

/** Entry tops: `offsets[i]` is where entry i starts, `offsets[n]` the total height. */
export interface Layout {
  readonly keys: readonly string[];
  readonly offsets: Float64Array;
}

export function buildLayout(keys: readonly string[], sizes: SizeCache): Layout {
  const offsets = new Float64Array(keys.length + 1);
  for (let index = 0; index < keys.length; index++) {
    offsets[index + 1] = offsets[index]! + sizes.get(keys[index]!);
  }
  return { keys, offsets };
}

export function totalHeight(layout: Layout): number {
  return layout.offsets[layout.keys.length]!;
}

/** The entry that covers `y` (clamped to the first and last entry); 0 when there are none. */
export function entryAt(layout: Layout, y: number): number {
  const count = layout.keys.length;
  if (count === 0) return 0;
  // The last entry whose top is at or above y: binary search over the sorted tops.
  let low = 0;
  let high = count - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (layout.offsets[middle]! <= y) low = middle;
    else high = middle - 1;
  }
  return low;
}

export interface Range {
  /** First entry to render. */
  start: number;
  /** One past the last entry to render. */
  end: number;
}

/**
 * The entries to render for a viewport showing [scrollTop, scrollTop + height) of the list, plus
 * `overscan` pixels either side so that fast scrolling does not show blank space.
 */
export function visibleRange(
  layout: Layout,
  scrollTop: number,
  height: number,
  overscan: number,
): Range {
  const count = layout.keys.length;
  if (count === 0) return { start: 0, end: 0 };
  const start = entryAt(layout, Math.max(0, scrollTop - overscan));
  const end = entryAt(layout, scrollTop + height + overscan) + 1;
  return { start, end: Math.min(count, end) };
}

/** The entry the reader looks at and how far its top is above (+) or below (-) the viewport's. */
export interface Anchor {
  key: string;
  /** scrollTop minus the entry's top, px. */
  offset: number;
}

/**
 * The first entry that starts inside the viewport (or the one covering all of it). Not one cut
 * by the top edge: that one may be an estimate still, and measuring it would move the rest.
 * Nor one that is not `anchorable` (a day divider, which moves up when older entries of its day
 * arrive): the next one after it is.
 */
export function captureAnchor(
  layout: Layout,
  scrollTop: number,
  anchorable: (key: string) => boolean = () => true,
): Anchor | null {
  const count = layout.keys.length;
  if (count === 0) return null;
  let index = entryAt(layout, scrollTop);
  if (layout.offsets[index]! < scrollTop && index + 1 < count) index++;
  while (!anchorable(layout.keys[index]!) && index + 1 < count) index++;
  return { key: layout.keys[index]!, offset: scrollTop - layout.offsets[index]! };
}

/**
 * The scrollTop that puts the anchor entry where it was, in a new layout (entries prepended,
 * heights measured); null when the entry is gone, so the caller keeps its position instead.
 * `positions` (from `indexKeys`, once per layout) keeps the lookup cheap in long rooms.
 */
export function anchoredScrollTop(
  layout: Layout,
  anchor: Anchor,
  positions: ReadonlyMap<string, number>,
): number | null {
  const at = positions.get(anchor.key);
  if (at === undefined) return null;
  return layout.offsets[at]! + anchor.offset;
}

/** A key → position lookup for a layout's entries. */
export function indexKeys(keys: readonly string[]): Map<string, number> {
  return new Map(keys.map((key, index) => [key, index]));
}
