/**
 * The virtual list's arithmetic: estimated and measured heights, which entries a viewport needs,
 * and the scroll position that keeps the reader's entry in place when older ones are prepended.
 */
import { describe, expect, it } from 'vitest';
import {
  anchoredScrollTop,
  buildLayout,
  captureAnchor,
  DEFAULT_ENTRY_HEIGHT,
  entryAt,
  indexKeys,
  SizeCache,
  totalHeight,
  visibleRange,
} from './virtual-layout';

const keys = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => `m${from + index}`);

describe('SizeCache', () => {
  it('estimates unmeasured entries with the average of the measured ones', () => {
    const sizes = new SizeCache();
    expect(sizes.get('m1')).toBe(DEFAULT_ENTRY_HEIGHT);
    expect(sizes.set('m1', 40)).toBe(true);
    expect(sizes.set('m2', 80)).toBe(true);
    expect(sizes.get('m1')).toBe(40);
    expect(sizes.get('m3')).toBe(60);
  });

  it('ignores sub-pixel changes and reports real ones', () => {
    const sizes = new SizeCache();
    sizes.set('m1', 40);
    expect(sizes.set('m1', 40.3)).toBe(false);
    expect(sizes.set('m1', 52)).toBe(true);
    expect(sizes.estimate).toBe(52);
  });

  it('forgets entries that are gone', () => {
    const sizes = new SizeCache();
    sizes.set('m1', 40);
    sizes.set('p1', 100);
    sizes.retain(new Set(['m1']));
    expect(sizes.estimate).toBe(40);
    expect(sizes.get('p1')).toBe(40);
  });
});

describe('layout', () => {
  it('stacks measured and estimated heights', () => {
    const sizes = new SizeCache();
    sizes.set('m2', 100);
    const layout = buildLayout(keys(1, 3), sizes);
    // m1 and m3 are unmeasured: the average of the measured (100).
    expect([...layout.offsets]).toEqual([0, 100, 200, 300]);
    expect(totalHeight(layout)).toBe(300);
  });

  it('finds the entry covering a position, clamped to the ends', () => {
    const sizes = new SizeCache();
    for (const [key, height] of [
      ['m1', 10],
      ['m2', 20],
      ['m3', 30],
    ] as const) {
      sizes.set(key, height);
    }
    const layout = buildLayout(keys(1, 3), sizes);
    expect(entryAt(layout, -5)).toBe(0);
    expect(entryAt(layout, 0)).toBe(0);
    expect(entryAt(layout, 9.9)).toBe(0);
    expect(entryAt(layout, 10)).toBe(1);
    expect(entryAt(layout, 59)).toBe(2);
    expect(entryAt(layout, 1e9)).toBe(2);
    expect(entryAt(buildLayout([], sizes), 10)).toBe(0);
  });
});

describe('visibleRange', () => {
  const sizes = new SizeCache();
  sizes.set('m1', 50);
  const layout = buildLayout(keys(1, 50_000), sizes);

  it('renders only the entries in and near the viewport of a long room', () => {
    // 50-px entries; viewport 500 px at 100,000 px; 200 px overscan either side.
    const range = visibleRange(layout, 100_000, 500, 200);
    expect(range).toEqual({ start: 1996, end: 2015 });
    expect(range.end - range.start).toBeLessThan(30);
  });

  it('clamps at the bottom and the top', () => {
    expect(visibleRange(layout, totalHeight(layout) - 500, 500, 200)).toEqual({
      start: 49_986,
      end: 50_000,
    });
    expect(visibleRange(layout, 0, 500, 200)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(buildLayout([], sizes), 0, 500, 200)).toEqual({ start: 0, end: 0 });
  });
});

describe('anchoring', () => {
  it('keeps the entry at the top of the viewport in place when older entries are prepended', () => {
    const sizes = new SizeCache();
    sizes.set('m101', 40);
    const before = buildLayout(keys(101, 200), sizes);
    // The reader's viewport starts 10 px into m150: m151 is the first entry that starts inside.
    const anchor = captureAnchor(before, before.offsets[49]! + 10);
    expect(anchor).toEqual({ key: 'm151', offset: -30 });

    const after = buildLayout(keys(1, 200), sizes);
    const top = anchoredScrollTop(after, anchor!, indexKeys(after.keys));
    // 100 entries more above it, at the estimate (40): 4,000 px further down.
    expect(top).toBe(before.offsets[49]! + 10 + 4000);
    // Measuring the entry cut by the top edge moves the viewport with the anchor, not the anchor.
    sizes.set('m150', 90);
    const measured = buildLayout(keys(1, 200), sizes);
    const next = anchoredScrollTop(measured, anchor!, indexKeys(measured.keys))!;
    expect(measured.offsets[150]! - next).toBe(30);
    expect(captureAnchor(after, top!)).toEqual(anchor);
  });

  it('keeps the entry in place when entries above it are measured at other heights', () => {
    const sizes = new SizeCache();
    const before = buildLayout(keys(1, 10), sizes);
    const anchor = captureAnchor(before, 280)!;
    sizes.set('m1', 200);
    const after = buildLayout(keys(1, 10), sizes);
    expect(anchor.key).toBe('m6');
    expect(anchoredScrollTop(after, anchor, indexKeys(after.keys))).toBe(
      after.offsets[5]! + anchor.offset,
    );
  });

  it('takes the entry covering the whole viewport when none starts inside it', () => {
    const sizes = new SizeCache();
    sizes.set('m1', 5000);
    const layout = buildLayout(keys(1, 1), sizes);
    expect(captureAnchor(layout, 1200)).toEqual({ key: 'm1', offset: 1200 });
  });

  it('anchors on the entry after a divider, which moves when older entries of its day arrive', () => {
    const sizes = new SizeCache();
    const anchorable = (key: string) => !key.startsWith('day:');
    const before = buildLayout(['day:x', ...keys(151, 200)], sizes);
    // At the very top: the divider starts there, but the reader's place is m151 under it.
    const anchor = captureAnchor(before, 0, anchorable)!;
    expect(anchor.key).toBe('m151');
    // Older messages of the same day arrive: the divider goes above them, m151 stays put.
    const after = buildLayout(['day:x', ...keys(51, 200)], sizes);
    const top = anchoredScrollTop(after, anchor, indexKeys(after.keys))!;
    expect(after.offsets[after.keys.indexOf('m151')]! - top).toBe(before.offsets[1]!);
    expect(top).toBeGreaterThan(0);
  });

  it('has no answer when the anchor entry is gone', () => {
    const sizes = new SizeCache();
    const layout = buildLayout(keys(1, 3), sizes);
    expect(anchoredScrollTop(layout, { key: 'p1', offset: 0 }, indexKeys(layout.keys))).toBeNull();
    expect(captureAnchor(buildLayout([], sizes), 0)).toBeNull();
  });
});
