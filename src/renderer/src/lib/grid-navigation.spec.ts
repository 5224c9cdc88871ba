import { describe, expect, it } from 'vitest';
import { gridMove } from './grid-navigation';

describe('gridMove', () => {
  // 10 items, 4 to a row: 0-3 / 4-7 / 8-9.
  it('moves along rows and columns, stopping at the edges', () => {
    expect(gridMove(0, 'ArrowRight', 10, 4)).toBe(1);
    expect(gridMove(3, 'ArrowRight', 10, 4)).toBe(4);
    expect(gridMove(9, 'ArrowRight', 10, 4)).toBe(9);
    expect(gridMove(0, 'ArrowLeft', 10, 4)).toBe(0);
    expect(gridMove(1, 'ArrowDown', 10, 4)).toBe(5);
    expect(gridMove(6, 'ArrowDown', 10, 4)).toBe(6);
    expect(gridMove(5, 'ArrowUp', 10, 4)).toBe(1);
    expect(gridMove(1, 'ArrowUp', 10, 4)).toBe(1);
  });

  it('goes to the ends of the row, or of the grid with Ctrl', () => {
    expect(gridMove(6, 'Home', 10, 4)).toBe(4);
    expect(gridMove(5, 'End', 10, 4)).toBe(7);
    expect(gridMove(8, 'End', 10, 4)).toBe(9);
    expect(gridMove(6, 'Home', 10, 4, true)).toBe(0);
    expect(gridMove(2, 'End', 10, 4, true)).toBe(9);
  });

  it('ignores other keys and empty grids', () => {
    expect(gridMove(0, 'a', 10, 4)).toBeNull();
    expect(gridMove(0, 'ArrowRight', 0, 4)).toBeNull();
  });
});
