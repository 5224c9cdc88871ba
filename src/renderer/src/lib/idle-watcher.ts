/**
 * Whether the person is using the app: idle after a while without input, pointer, key, wheel or
 * touch activity, or the page becoming visible or focused; active again at the next sign. The page's
 * own signals serve both runtimes (the desktop window and a browser tab). Timers and the activity
 * source are injectable, so tests decide when time passes instead of waiting for it.
 */
import type { Unsubscribe } from '../../../shared/api';

export interface IdleWatcherOptions {
  /** How long without activity counts as idle, in ms (read at each sign of activity). */
  idleAfterMs: () => number;
  onidle: () => void;
  onactive: () => void;
  /** Calls `onactivity` at each sign of activity; returns the disposer. Default: the page's. */
  watchActivity?: (onactivity: () => void) => Unsubscribe;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

const WINDOW_EVENTS = [
  'pointerdown',
  'pointermove',
  'keydown',
  'input',
  'wheel',
  'touchstart',
  'focus',
];

/** The page's signs of activity: what a person does in it, and the page coming into view. */
export function watchPageActivity(onactivity: () => void): Unsubscribe {
  const options = { capture: true, passive: true };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') onactivity();
  };
  for (const name of WINDOW_EVENTS) window.addEventListener(name, onactivity, options);
  document.addEventListener('visibilitychange', onVisibility);
  return () => {
    for (const name of WINDOW_EVENTS) window.removeEventListener(name, onactivity, options);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Starts watching (the person counts as active now); returns the disposer. */
export function watchIdle(options: IdleWatcherOptions): Unsubscribe {
  const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer =
    options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  let idle = false;
  let timer: unknown = null;
  const arm = () => {
    if (timer !== null) clearTimer(timer);
    timer = setTimer(() => {
      timer = null;
      idle = true;
      options.onidle();
    }, options.idleAfterMs());
  };
  const onactivity = () => {
    arm();
    if (!idle) return;
    idle = false;
    options.onactive();
  };
  const stopWatching = (options.watchActivity ?? watchPageActivity)(onactivity);
  arm();
  return () => {
    stopWatching();
    if (timer !== null) clearTimer(timer);
    timer = null;
  };
}
