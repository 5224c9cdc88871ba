/**
 * Whether the person can see the window and is using it, from the page's own signals: the Page
 * Visibility API (`document.visibilityState`: hidden when minimized, in a background tab or on
 * another desktop) and window focus (`document.hasFocus()`, `focus`/`blur`). Both the desktop
 * window and the browser tab report them, so one source serves both runtimes.
 */
import type { Unsubscribe } from '../../../shared/api';

export interface WindowAttention {
  visible: boolean;
  focused: boolean;
}

export function currentWindowAttention(): WindowAttention {
  return { visible: document.visibilityState === 'visible', focused: document.hasFocus() };
}

/** Calls `onchange` whenever visibility or focus changes; returns the disposer. */
export function watchWindowAttention(onchange: (attention: WindowAttention) => void): Unsubscribe {
  const update = () => onchange(currentWindowAttention());
  document.addEventListener('visibilitychange', update);
  window.addEventListener('focus', update);
  window.addEventListener('blur', update);
  return () => {
    document.removeEventListener('visibilitychange', update);
    window.removeEventListener('focus', update);
    window.removeEventListener('blur', update);
  };
}
