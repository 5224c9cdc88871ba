/**
 * Arrow-key movement in a grid of `count` items laid out `columns` to a row (the emoji picker):
 * left and right run through the items in reading order, up and down keep the column, Home and
 * End go to the row's ends (with Ctrl: the grid's). Pure, so Vitest checks it.
 */

/** The index the focus moves to for `key`; null when the key is not a grid key. */
export function gridMove(
  index: number,
  key: string,
  count: number,
  columns: number,
  ctrl = false,
): number | null {
  if (count === 0) return null;
  const row = Math.floor(index / columns);
  const clamp = (value: number) => Math.min(count - 1, Math.max(0, value));
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return index + columns < count ? index + columns : index;
    case 'ArrowUp':
      return index - columns >= 0 ? index - columns : index;
    case 'Home':
      return ctrl ? 0 : row * columns;
    case 'End':
      return ctrl ? count - 1 : clamp(row * columns + columns - 1);
    default:
      return null;
  }
}
