/**
 * `window.parley` for the renderer's type check (tsconfig.web.json includes this file): the
 * preload (desktop) or the web client's in-page bridge provides it.
 */
import type { ParleyApi } from '../shared/api';

declare global {
  interface Window {
    readonly parley: ParleyApi;
  }
}

export {};
