/**
 * The Argon2 measurements of `npm run bench:client` that run inside Chromium, beside in-page.ts
 * (which explains the setup: bundled with the app's own code, no DOM types, no src/ imports).
 * Everything goes through the app's `Argon2Client` and its built worker chunk; to pick a build,
 * the client is given a module compiled here from a built .wasm asset.
 */
import type { Argon2Params } from '../../worker/argon2-protocol';
import type { Argon2Job, Argon2Series } from './in-page';

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
}
type CompiledModule = object;
interface ClientOptions {
  createWorker: () => BrowserWorker;
  module?: CompiledModule;
}
interface Argon2ClientLike {
  hash(password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array>;
  prewarm(): void;
  terminate(): void;
}
export interface Argon2AppCode {
  Argon2Client: new (options: ClientOptions) => Argon2ClientLike;
}
const browser = globalThis as unknown as {
  Worker: new (url: string, options?: { type?: 'module'; name?: string }) => BrowserWorker;
  WebAssembly: { compile(bytes: ArrayBuffer): Promise<CompiledModule> };
  fetch(url: string): Promise<unknown>;
};

/** The built chunk and .wasm assets, as dist/ serves them. */
export interface Argon2Assets {
  workerUrl: string;
  simdWasmUrl: string;
  plainWasmUrl: string;
}

/** Time from a hash call to its tag, by how the worker got to it. */
export interface FirstCallFigures {
  /** A new client and worker: the worker fetches and compiles the WASM itself, then hashes. */
  coldSelfLoadMs: number[];
  /** A new worker (as after the idle shutdown) handed the module the first worker sent back: instantiate, then hash. */
  coldKeptModuleMs: number[];
  /** `prewarm()` first (the PIN field's focus), the hash once the worker had time to load. */
  afterPrewarmMs: number[];
  /** Every distinct tag these calls gave: one, the native command's, when all is well. */
  tagsHex: string[];
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createArgon2BenchApi(app: Argon2AppCode) {
  const createWorker = (assets: Argon2Assets) => () => new browser.Worker(assets.workerUrl, { type: 'module', name: 'argon2' });
  // As worker/argon2-module.ts compiles it: from the bytes, not streamed (it says why).
  const compile = async (url: string) => browser.WebAssembly.compile(await ((await browser.fetch(url)) as { arrayBuffer(): Promise<ArrayBuffer> }).arrayBuffer());

  async function timed(client: Argon2ClientLike, job: Argon2Job): Promise<{ ms: number; tagHex: string }> {
    const start = performance.now();
    const tag = await client.hash(utf8(job.pin), utf8(job.salt), job.params);
    return { ms: performance.now() - start, tagHex: hex(tag) };
  }

  /** Clients kept between calls by `argon2Open`, for measurements the Node side interleaves with the native command. */
  const open = new Map<number, Argon2ClientLike>();
  let nextHandle = 1;

  return {
    /** A client whose workers get the module compiled from `wasm`, kept until `argon2Close`; returns its handle. */
    async argon2Open(assets: Argon2Assets, wasm: 'simd' | 'plain'): Promise<number> {
      const module = await compile(wasm === 'simd' ? assets.simdWasmUrl : assets.plainWasmUrl);
      const handle = nextHandle++;
      open.set(handle, new app.Argon2Client({ createWorker: createWorker(assets), module }));
      return handle;
    },

    /** One hash on an open client: milliseconds and the tag. */
    async argon2Once(handle: number, job: Argon2Job): Promise<{ ms: number; tagHex: string }> {
      return timed(open.get(handle)!, job);
    },

    argon2Close(handle: number): void {
      open.get(handle)?.terminate();
      open.delete(handle);
    },

    /**
     * One warm-up call, then `job.runs` calls on one client whose workers get the module compiled
     * from `wasm` ('simd' as the app picks on this engine, or 'plain', the fallback build).
     */
    async argon2Series(assets: Argon2Assets, wasm: 'simd' | 'plain', job: Argon2Job): Promise<Argon2Series> {
      const module = await compile(wasm === 'simd' ? assets.simdWasmUrl : assets.plainWasmUrl);
      const client = new app.Argon2Client({ createWorker: createWorker(assets), module });
      try {
        const first = await timed(client, job);
        const runs = [];
        for (let i = 0; i < job.runs; i++) runs.push(await timed(client, job));
        return { firstCallMs: first.ms, runsMs: runs.map((r) => r.ms), tagHex: runs.at(-1)?.tagHex ?? first.tagHex };
      } finally {
        client.terminate();
      }
    },

    /** `times` first calls of each kind in FirstCallFigures; `prewarmWaitMs` is how long a prewarm gets. */
    async argon2FirstCalls(assets: Argon2Assets, job: Argon2Job, times: number, prewarmWaitMs: number): Promise<FirstCallFigures> {
      const figures: FirstCallFigures = { coldSelfLoadMs: [], coldKeptModuleMs: [], afterPrewarmMs: [], tagsHex: [] };
      const tags = new Set<string>();
      const first = async (client: Argon2ClientLike): Promise<number> => {
        const call = await timed(client, job);
        tags.add(call.tagHex);
        return call.ms;
      };
      for (let i = 0; i < times; i++) {
        const selfLoading = new app.Argon2Client({ createWorker: createWorker(assets) });
        figures.coldSelfLoadMs.push(await first(selfLoading));
        selfLoading.terminate();
      }
      const keeping = new app.Argon2Client({ createWorker: createWorker(assets) });
      try {
        // The first worker compiles the WASM and sends the module back; the client keeps it.
        await timed(keeping, job);
        for (let i = 0; i < times; i++) {
          keeping.terminate();
          figures.coldKeptModuleMs.push(await first(keeping));
        }
        for (let i = 0; i < times; i++) {
          keeping.terminate();
          keeping.prewarm();
          await sleep(prewarmWaitMs);
          figures.afterPrewarmMs.push(await first(keeping));
        }
      } finally {
        keeping.terminate();
      }
      return { ...figures, tagsHex: [...tags] };
    },
  };
}

export type Argon2BenchApi = ReturnType<typeof createArgon2BenchApi>;
