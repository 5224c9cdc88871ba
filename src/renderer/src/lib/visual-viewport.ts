/**
 * The part of the window the page can use right now, as CSS variables for the phone layout.
 * An on-screen keyboard shrinks the visual viewport, not the layout viewport (iOS Safari; Chrome
 * too unless the page asks otherwise), so a chat screen 100% tall would put its composer under
 * the keyboard. The phone layout sizes itself with `--viewport-height` and `--viewport-top`
 * instead, kept here in step with `window.visualViewport`.
 */

export const VIEWPORT_HEIGHT = '--viewport-height';
export const VIEWPORT_TOP = '--viewport-top';

/** What this reads of `window.visualViewport`. */
export interface VisualViewportLike extends EventTarget {
  readonly height: number;
  readonly offsetTop: number;
  readonly scale: number;
}

/** Where the variables go: `document.documentElement`. */
export interface StyleTarget {
  readonly style: Pick<CSSStyleDeclaration, 'setProperty' | 'removeProperty'>;
}

/**
 * Sets the variables now and on every resize and scroll of `viewport`; returns the disposer
 * (which removes them: the layout falls back to the window's height). Without a visual viewport
 * (an old browser) nothing is set.
 */
export function followVisualViewport(
  viewport: VisualViewportLike | null | undefined,
  root: StyleTarget,
): () => void {
  if (!viewport) return () => {};
  const clear = () => {
    root.style.removeProperty(VIEWPORT_HEIGHT);
    root.style.removeProperty(VIEWPORT_TOP);
  };
  const update = () => {
    // Zoomed in with two fingers: the visual viewport is smaller, but no keyboard took the room,
    // and the layout must not shrink with the zoom.
    if (viewport.scale > 1.01) return clear();
    root.style.setProperty(VIEWPORT_HEIGHT, `${viewport.height}px`);
    root.style.setProperty(VIEWPORT_TOP, `${viewport.offsetTop}px`);
  };
  update();
  viewport.addEventListener('resize', update);
  viewport.addEventListener('scroll', update);
  return () => {
    viewport.removeEventListener('resize', update);
    viewport.removeEventListener('scroll', update);
    clear();
  };
}
