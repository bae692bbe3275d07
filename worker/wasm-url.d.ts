/**
 * The Argon2 builds as Vite `?url` imports (worker/argon2-module.ts): Vite emits each .wasm as a
 * hashed asset under dist/assets/ (precached by the service worker) and gives its URL. The app's
 * tsconfig has vite/client's `*?url` for this; the worker's has no Vite types.
 */
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
