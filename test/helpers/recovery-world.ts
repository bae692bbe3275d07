/// <reference types="node" />
/**
 * TESTS ONLY (imported by src/vault/recovery/*.test.ts, never by the app). The real Argon2id the
 * worker runs (our WASM build from worker/wasm/, loaded in Node as worker/argon2.test.ts loads it)
 * and a KeyServer wired to an in-process key server with a same-origin browser's cookie jar.
 */
import { readFileSync } from 'node:fs';
import { ORIGIN, type TestServer } from './harness';
import type { DeriveArgon2 } from '../../src/vault/crypto';
import { KeyServer } from '../../src/vault/platform/key-server';
import { instantiateArgon2, type Argon2Wasm } from '../../worker/argon2-wasm';

// test/global-setup.ts declares this for the server's tsconfig; this program does not include it.
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

let loaded: Promise<Argon2Wasm> | undefined;

/** Our SIMD build (worker/wasm/), as worker/argon2.test.ts loads it. Loaded once. */
function loadArgon2(): Promise<Argon2Wasm> {
  loaded ??= instantiateArgon2(new WebAssembly.Module(readFileSync(new URL('../../worker/wasm/argon2-simd.wasm', import.meta.url))));
  return loaded;
}

/** The real Argon2id with DeriveArgon2's shape, and a count of runs (each costs about a second at 64 MiB). */
export function realArgon2(): DeriveArgon2 & { runs: number } {
  const derive = Object.assign(
    async (password: Uint8Array, salt: Uint8Array, params: Parameters<DeriveArgon2>[2], signal?: AbortSignal) => {
      signal?.throwIfAborted();
      derive.runs += 1;
      return (await loadArgon2()).hashArgon2id({ password, salt, params });
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
