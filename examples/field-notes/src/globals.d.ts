/** The key server's origin, written by vite.config.ts from KEY_SERVER_ORIGIN at build time. */
declare const __KEY_SERVER_ORIGIN__: string;
