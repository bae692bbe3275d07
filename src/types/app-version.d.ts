/** This app's version (package.json), written into the bundle by vite.config.ts `define`. */
declare const __KEYHOLD_VERSION__: string;
