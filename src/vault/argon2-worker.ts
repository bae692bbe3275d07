/**
 * The SDK's entry for the Argon2 worker: its script's URL, for `new Worker(url, { type: 'module' })`
 * in an `Argon2Client`'s `createWorker` (through the app's Trusted Types policy). The library build
 * (vite.sdk.config.ts) emits the worker and its two WASM builds as files beside the SDK, and this
 * URL is resolved against the SDK's own module, so they are served wherever the SDK is.
 */
import workerUrl from '../../worker/argon2.worker.ts?worker&url';

/** The Argon2 worker's script URL (a module worker). */
export const argon2WorkerUrl: string = workerUrl;
