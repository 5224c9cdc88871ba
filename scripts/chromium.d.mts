/** Types of chromium.mjs, for the TypeScript that imports it (playwright.config.ts, tests). */
export declare const SYSTEM_CHROMIUM: string;
export declare const SYSTEM_CHROMIUM_ARGS: string[];
export declare const HOW_TO_GET_ONE: string;
export declare function findChromium():
  | { path: string; own: boolean; problem?: undefined }
  | { path: null; own?: undefined; problem: string };
export declare function ensureChromium(): string | null;
