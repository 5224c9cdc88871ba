/// <reference types="svelte" />
/// <reference types="vite/client" />
/**
 * The renderer's only door to the outside: `window.parley`, provided by the preload (desktop) or
 * by the in-page web bridge (browser).
 */
import type { ParleyApi } from '../../shared/api';

declare global {
  interface Window {
    readonly parley: ParleyApi;
  }
}

export {};
