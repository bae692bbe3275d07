/// <reference types="node" />
/**
 * TESTS ONLY (imported by src/vault/recovery/*.test.ts, never by the app). The real Argon2id the
 * worker runs (argon2-browser's bundled build, loaded in Node as worker/argon2.test.ts loads it)
 * and a KeyServer wired to an in-process key server with a same-origin browser's cookie jar.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { ORIGIN, type TestServer } from './harness';
import type { DeriveArgon2 } from '../../src/vault/crypto';
import { KeyServer } from '../../src/vault/platform/key-server';

// test/global-setup.ts declares this for the server's tsconfig; this program does not include it.
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

interface BundledArgon2 {
  ArgonType: { Argon2id: number };
  hash(options: { pass: Uint8Array; salt: Uint8Array; time: number; mem: number; parallelism: number; hashLen: number; type: number }): Promise<{ hash: Uint8Array }>;
}

let bundled: BundledArgon2 | undefined;

/** argon2-browser's bundled build in a worker-like V8 context (see worker/argon2.test.ts for why). Loaded once. */
function loadBundledArgon2(): BundledArgon2 {
  if (bundled) return bundled;
  const bundlePath = createRequire(import.meta.url).resolve('argon2-browser/dist/argon2-bundled.min.js');
  const workerLikeGlobal = vm.createContext({ atob, TextEncoder, TextDecoder, console });
  workerLikeGlobal.self = workerLikeGlobal;
  vm.runInContext(readFileSync(bundlePath, 'utf8'), workerLikeGlobal, { filename: bundlePath });
  bundled = workerLikeGlobal.argon2 as BundledArgon2;
  return bundled;
}

/** The real Argon2id with DeriveArgon2's shape, and a count of runs (each costs about a second at 64 MiB). */
export function realArgon2(): DeriveArgon2 & { runs: number } {
  const derive = Object.assign(
    async (password: Uint8Array, salt: Uint8Array, params: Parameters<DeriveArgon2>[2], signal?: AbortSignal) => {
      signal?.throwIfAborted();
      derive.runs += 1;
      const argon2 = loadBundledArgon2();
      const { hash } = await argon2.hash({
        pass: password,
        salt,
        time: params.iterations,
        mem: params.memoryKiB,
        parallelism: params.parallelism,
        hashLen: params.hashLength,
        type: argon2.ArgonType.Argon2id,
      });
      return Uint8Array.from(hash); // the tag lives in the other V8 context's memory: copy it into ours
    },
    { runs: 0 },
  );
  return derive;
}

/** A browser on another device: KeyServer over `server.app.request`, with Origin and a cookie jar; records bodies sent. */
export function browserOn(server: TestServer, signedIn?: string): { keyServer: KeyServer; bodies: string[]; cookie: () => string | undefined } {
  let cookie = signedIn;
  const bodies: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? `${input.pathname}${input.search}` : input.url;
    const headers = new Headers(init?.headers);
    headers.set('origin', ORIGIN);
    if (cookie) headers.set('cookie', cookie);
    if (typeof init?.body === 'string') bodies.push(init.body);
    const response = await server.app.request(path, { method: init?.method, headers, body: init?.body });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      cookie = /=$/.test(pair!) || /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    return response;
  };
  return { keyServer: new KeyServer('', fetchImpl), bodies, cookie: () => cookie };
}
