// electron-vite's module types for the main process: `?asset` imports (files in resources/,
// resolved at run time next to the build, or inside the packaged app) and ELECTRON_RENDERER_URL.
/// <reference types="electron-vite/node" />
