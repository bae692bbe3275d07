/**
 * The part of `npm run bench:client` that runs inside Chromium. page-bundle.ts bundles it with
 * vite together with the app's own vault code (the Argon2 worker bridge and src/vault/crypto,
 * unchanged) and hands that code in through `createBenchApi`; the Node side calls the returned
 * functions with `page.evaluate`.
 *
 * This file is checked by tsconfig.server.json, which covers bench/ without lib.dom, so it names
 * no DOM type and imports nothing from src/: the app code arrives typed by `AppCode` below, and
 * the two browser globals used (`Worker`, `Blob`/`URL.createObjectURL`) are typed locally.
 * Timings are `performance.now()` differences; without cross-origin isolation Chromium rounds
 * them to 0.1 ms, well below anything measured here.
 */
import { encodeBase64Url } from '../../protocol/base64url';
import { RECORD_FORMAT_VERSION } from '../../protocol/constants';
import type { Argon2Params } from '../../worker/argon2-protocol';

/** A key or stored blob of the app's, passed back in as it came out; never inspected here. */
type Opaque = { readonly __opaque?: never };
type DeriveArgon2 = (password: Uint8Array, salt: Uint8Array, params: Argon2Params) => Promise<Uint8Array>;
interface RecordContext {
  readonly userId: string;
  readonly recordId: string;
  readonly v: number;
  /** The server version the ciphertext is bound to (record format 2). */
  readonly serverVersion: number;
}
interface UnlockedVault {
  readonly vaultId: string;
  readonly vaultKey: Opaque;
}

/** The subset of the app's exports the bench calls, with the shapes they have in src/. */
export interface AppCode {
  Argon2Client: new (options: { createWorker: () => BrowserWorker }) => {
    hash(password: Uint8Array, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array>;
    terminate(): void;
  };
  createLocalVault(options: { userId: string; pin: string; argon2: DeriveArgon2 }): Promise<{ record: Opaque; unlocked: UnlockedVault }>;
  unlockWithPin(record: Opaque, pin: string, argon2: DeriveArgon2): Promise<UnlockedVault>;
  encryptRecord(plaintext: Readonly<Record<string, unknown>>, vaultKey: Opaque, ctx: RecordContext): Promise<Opaque>;
  decryptRecord(record: Opaque, vaultKey: Opaque, ctx: RecordContext): Promise<unknown>;
}

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
}
interface BrowserGlobals {
  Worker: new (url: string, options?: { type?: 'module' | 'classic'; name?: string }) => BrowserWorker;
  Blob: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
}
const browser = globalThis as unknown as BrowserGlobals;

/** One timed series: the first call on its own (cold), then the measured calls. */
export interface Argon2Series {
  firstCallMs: number;
  runsMs: number[];
  /** Hex of the last tag, to compare with the native tool's. */
  tagHex: string;
}

export interface Argon2Job {
  pin: string;
  /** Salt as text: the native tool takes it as a command-line argument, so both sides use its UTF-8 bytes. */
  salt: string;
  params: Argon2Params;
  runs: number;
}

/** What the classic worker built from argon2-browser's unbundled files needs (see `argon2UnbundledSeries`). */
export interface UnbundledArgon2 {
  /** dist/argon2.js: the Emscripten glue. */
  glueSource: string;
  /** lib/argon2.js: the library's loader and `hash`. */
  librarySource: string;
  /** The .wasm to run, base64. */
  wasmBase64: string;
}

export interface UnlockFigures {
  warmUpMs: number[];
  runsMs: number[];
}

export interface RecordFigures {
  count: number;
  batchSize: number;
  /** Mean plaintext size in bytes (UTF-8 of the JSON) and mean stored size (both base64url blobs, characters). */
  plaintextBytes: number;
  storedChars: number;
  encryptMs: number;
  sequentialMs: number[];
  batchedMs: number[];
  /** Records whose decryption gave back exactly what was encrypted, per pass; must equal `count`. */
  verified: number[];
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const PRINTABLE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~';
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'recovery', 'code', 'backup', 'branch', 'account', 'number'];

function randomText(length: number, alphabet: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function notesOf(length: number, seed: number): string {
  let text = '';
  for (let i = seed; text.length < length; i += 7) text += `${WORDS[i % WORDS.length]} `;
  return text.slice(0, length);
}

/** A login the size people keep: title, e-mail username, 20-character password, sign-in URL, 200-character notes. */
function loginRecord(i: number): Record<string, string> {
  const n = String(i).padStart(5, '0');
  return {
    kind: 'login',
    title: `Service ${n} account`,
    username: `person.${n}@mail.example.com`,
    password: randomText(20, PRINTABLE),
    url: `https://login.service-${n}.example.com/signin`,
    notes: notesOf(200, i),
  };
}

const blobChars = (blob: unknown): number => (typeof blob === 'string' ? blob.length : 0);

/** The bench's entry points, given the app's code; installed as `globalThis.__khBench` by the bundle. */
export function createBenchApi(app: AppCode) {
  /** Times one Argon2 call from the page: postMessage to the worker and back. */
  async function timeSeries(hash: (password: Uint8Array, salt: Uint8Array) => Promise<Uint8Array>, job: Argon2Job): Promise<Argon2Series> {
    const salt = utf8(job.salt);
    const times: number[] = [];
    let tagHex = '';
    for (let i = 0; i <= job.runs; i++) {
      const password = utf8(job.pin);
      const start = performance.now();
      const tag = await hash(password, salt);
      times.push(performance.now() - start);
      tagHex = hex(tag);
    }
    return { firstCallMs: times[0]!, runsMs: times.slice(1), tagHex };
  }

  return {
    /**
     * Diagnostic, not the app's code: argon2-browser's unbundled loader with a chosen .wasm
     * (its SIMD build, or the plain one as a control) in a classic worker made from blob: URLs.
     */
    async argon2Unbundled(files: UnbundledArgon2, job: Argon2Job): Promise<Argon2Series> {
      const scriptUrl = (source: string) => browser.URL.createObjectURL(new browser.Blob([source], { type: 'text/javascript' }));
      const glueUrl = scriptUrl(files.glueSource);
      const libraryUrl = scriptUrl(files.librarySource);
      const workerSource = `
        const wasm = Uint8Array.from(atob(${JSON.stringify(files.wasmBase64)}), (c) => c.charCodeAt(0));
        self.loadArgon2WasmBinary = () => Promise.resolve(wasm);
        self.loadArgon2WasmModule = () => { importScripts(${JSON.stringify(glueUrl)}); return Promise.resolve(); };
        importScripts(${JSON.stringify(libraryUrl)});
        self.onmessage = async (event) => {
          const { pass, salt, params } = event.data;
          try {
            const result = await self.argon2.hash({ pass, salt, time: params.iterations, mem: params.memoryKiB,
              parallelism: params.parallelism, hashLen: params.hashLength, type: self.argon2.ArgonType.Argon2id });
            self.postMessage({ hash: result.hash });
          } catch (failure) {
            self.postMessage({ error: String(failure && failure.message || failure) });
          }
        };`;
      const workerUrl = scriptUrl(workerSource);
      const worker = new browser.Worker(workerUrl, { type: 'classic', name: 'argon2-diagnostic' });
      let settle: ((event: { data?: unknown; message?: string }) => void) | undefined;
      worker.addEventListener('message', (event) => settle?.(event));
      worker.addEventListener('error', (event) => settle?.({ data: { error: event.message ?? 'worker error' } }));
      try {
        return await timeSeries(
          (pass, salt) =>
            new Promise<Uint8Array>((resolve, reject) => {
              settle = (event) => {
                const data = event.data as { hash?: Uint8Array; error?: string };
                if (data.hash) resolve(data.hash);
                else reject(new Error(`diagnostic Argon2 worker: ${data.error}`));
              };
              worker.postMessage({ pass, salt, params: job.params });
            }),
          job,
        );
      } finally {
        worker.terminate();
        for (const url of [glueUrl, libraryUrl, workerUrl]) browser.URL.revokeObjectURL(url);
      }
    },

    /**
     * `unlockWithPin` on a vault made by `createLocalVault`, with Argon2 replaced by a fixed tag
     * computed beforehand: what remains is HKDF → KEK, unwrap S, K_keys, the key bundle (RSA-OAEP
     * private key import), unwrap VK and the device key.
     */
    async unlockWithoutArgon2(pin: string, warmUps: number, runs: number): Promise<UnlockFigures> {
      const precomputedTag = crypto.getRandomValues(new Uint8Array(32));
      // A copy each call: deriveKekLocalFromPin wipes the tag it is given.
      const argon2: DeriveArgon2 = async () => precomputedTag.slice();
      const { record, unlocked } = await app.createLocalVault({ userId: 'bench-user', pin, argon2 });
      const times: number[] = [];
      for (let i = 0; i < warmUps + runs; i++) {
        const start = performance.now();
        const again = await app.unlockWithPin(record, pin, argon2);
        times.push(performance.now() - start);
        if (again.vaultId !== unlocked.vaultId) throw new Error('unlockWithPin opened a different vault');
      }
      return { warmUpMs: times.slice(0, warmUps), runsMs: times.slice(warmUps) };
    },

    /**
     * Encrypts `count` logins under one VK with encryptRecord, then times decryptRecord over all
     * of them: one at a time, and with Promise.all over batches of `batchSize`, `passes` times
     * each after a warm-up over one batch. Every pass checks each plaintext afterwards.
     */
    async decryptRecords(pin: string, count: number, batchSize: number, passes: number): Promise<RecordFigures> {
      const argon2: DeriveArgon2 = async () => crypto.getRandomValues(new Uint8Array(32));
      const { unlocked } = await app.createLocalVault({ userId: 'bench-user', pin, argon2 });
      const vaultKey = unlocked.vaultKey;
      const plaintexts = Array.from({ length: count }, (_, i) => loginRecord(i));
      const contexts: RecordContext[] = plaintexts.map(() => ({
        userId: 'bench-user',
        recordId: encodeBase64Url(crypto.getRandomValues(new Uint8Array(16))),
        v: RECORD_FORMAT_VERSION,
        serverVersion: 1,
      }));

      const encryptStart = performance.now();
      const sealed: Opaque[] = [];
      for (let start = 0; start < count; start += batchSize) {
        const indexes = contexts.slice(start, start + batchSize).map((_, j) => start + j);
        sealed.push(...(await Promise.all(indexes.map((i) => app.encryptRecord(plaintexts[i]!, vaultKey, contexts[i]!)))));
      }
      const encryptMs = performance.now() - encryptStart;

      const expected = plaintexts.map((p) => JSON.stringify(p));
      const verify = (opened: unknown[]) => opened.reduce<number>((ok, value, i) => ok + (JSON.stringify(value) === expected[i] ? 1 : 0), 0);
      const sequential = async (): Promise<unknown[]> => {
        const out: unknown[] = new Array(count);
        for (let i = 0; i < count; i++) out[i] = await app.decryptRecord(sealed[i]!, vaultKey, contexts[i]!);
        return out;
      };
      const batched = async (): Promise<unknown[]> => {
        const out: unknown[] = [];
        for (let start = 0; start < count; start += batchSize) {
          const indexes = contexts.slice(start, start + batchSize).map((_, j) => start + j);
          out.push(...(await Promise.all(indexes.map((i) => app.decryptRecord(sealed[i]!, vaultKey, contexts[i]!)))));
        }
        return out;
      };

      await Promise.all(sealed.slice(0, batchSize).map((blob, i) => app.decryptRecord(blob, vaultKey, contexts[i]!)));
      const figures = { sequentialMs: [] as number[], batchedMs: [] as number[], verified: [] as number[] };
      for (let pass = 0; pass < passes; pass++) {
        for (const [mode, run] of [['sequentialMs', sequential], ['batchedMs', batched]] as const) {
          const start = performance.now();
          const opened = await run();
          figures[mode].push(performance.now() - start);
          figures.verified.push(verify(opened));
        }
      }

      const plaintextBytes = expected.reduce((n, text) => n + utf8(text).length, 0) / count;
      const storedChars =
        sealed.reduce<number>((n, blob) => {
          const { wrappedDek, ciphertext } = blob as { wrappedDek?: unknown; ciphertext?: unknown };
          return n + blobChars(wrappedDek) + blobChars(ciphertext);
        }, 0) / count;
      return { count, batchSize, plaintextBytes, storedChars, encryptMs, ...figures };
    },
  };
}

export type BenchApi = ReturnType<typeof createBenchApi>;
