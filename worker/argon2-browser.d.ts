/**
 * The two argon2-browser files the worker loads, as Vite `?url` imports: Vite emits each as a
 * hashed asset under dist/assets/ (precached by the service worker) and gives its URL.
 * worker/argon2-wasm.ts instantiates them; the package's JS (lib/, dist/argon2.js) is not used.
 */
declare module 'argon2-browser/dist/argon2-simd.wasm?url' {
  const url: string;
  export default url;
}

declare module 'argon2-browser/dist/argon2.wasm?url' {
  const url: string;
  export default url;
}
