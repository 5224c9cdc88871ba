import { describe, expect, it } from 'vitest';
import {
  followVisualViewport,
  VIEWPORT_HEIGHT,
  VIEWPORT_TOP,
  type StyleTarget,
  type VisualViewportLike,
} from './visual-viewport';

/** A visual viewport whose size the test sets, firing the events the browser would. */
class TestViewport extends EventTarget implements VisualViewportLike {
  height = 844;
  offsetTop = 0;
  scale = 1;

  change(to: Partial<Pick<TestViewport, 'height' | 'offsetTop' | 'scale'>>, event: string): void {
    Object.assign(this, to);
    this.dispatchEvent(new Event(event));
  }
}

/** The root element's inline style, as a plain record of the custom properties set. */
function testRoot(): StyleTarget & { values: Record<string, string> } {
  const values: Record<string, string> = {};
  return {
    values,
    style: {
      setProperty: (name: string, value: string | null) => void (values[name] = value ?? ''),
      removeProperty: (name: string) => {
        const old = values[name] ?? '';
        delete values[name];
        return old;
      },
    },
  };
}

describe('followVisualViewport', () => {
  it('sets the usable height at once and follows the keyboard opening and closing', () => {
    const viewport = new TestViewport();
    const root = testRoot();
    followVisualViewport(viewport, root);
    expect(root.values).toEqual({ [VIEWPORT_HEIGHT]: '844px', [VIEWPORT_TOP]: '0px' });

    viewport.change({ height: 480 }, 'resize');
    expect(root.values[VIEWPORT_HEIGHT]).toBe('480px');

    // iOS scrolls the visual viewport to keep the focused field in view.
    viewport.change({ offsetTop: 120 }, 'scroll');
    expect(root.values[VIEWPORT_TOP]).toBe('120px');

    viewport.change({ height: 844, offsetTop: 0 }, 'resize');
    expect(root.values).toEqual({ [VIEWPORT_HEIGHT]: '844px', [VIEWPORT_TOP]: '0px' });
  });

  it('does not shrink the layout while zoomed in', () => {
    const viewport = new TestViewport();
    const root = testRoot();
    followVisualViewport(viewport, root);
    viewport.change({ height: 422, scale: 2, offsetTop: 200 }, 'resize');
    expect(root.values).toEqual({});
    viewport.change({ height: 844, scale: 1, offsetTop: 0 }, 'resize');
    expect(root.values[VIEWPORT_HEIGHT]).toBe('844px');
  });

  it('stops following and removes the variables when disposed', () => {
    const viewport = new TestViewport();
    const root = testRoot();
    const stop = followVisualViewport(viewport, root);
    stop();
    expect(root.values).toEqual({});
    viewport.change({ height: 300 }, 'resize');
    expect(root.values).toEqual({});
  });

  it('sets nothing without a visual viewport', () => {
    const root = testRoot();
    followVisualViewport(undefined, root)();
    expect(root.values).toEqual({});
  });
});
