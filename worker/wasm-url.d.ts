/**
 * The Argon2 builds as Vite `?url&no-inline` imports (worker/argon2-module.ts): Vite emits each
 * .wasm as a hashed asset under dist/assets/ (precached by the service worker) and gives its URL.
 * `no-inline` because the SDK's library build (vite.sdk.config.ts) would otherwise inline them
 * as base64 data URLs, which a strict CSP refuses and which no cache can share. The app's
 * tsconfig has vite/client's `*?url` for this; the worker's has no Vite types.
 */
declare module '*.wasm?url&no-inline' {
  const url: string;
  export default url;
}
