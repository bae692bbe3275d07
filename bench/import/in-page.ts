/**
 * The part of `npm run bench:import` that runs inside Chromium, built from the app's own Vault,
 * KeyServer, LocalStore, browser passkeys and Argon2 worker bridge (bundled with this file by
 * bench/sync/page-bundle.ts). The Node side calls the returned functions with `page.evaluate`.
 *
 * Checked by tsconfig.server.json, which has no lib.dom: what it uses of the app and the browser
 * is typed below. Timings are `performance.now()` differences taken in the page.
 */
import type { Argon2Bridge, Opaque } from '../sync/app-code';

interface ImportPreviewShape {
  readonly total: number;
  readonly duplicates: number;
}

/** The parts of the SDK's `Vault` this bench calls (src/vault/vault.ts, transfer/vault-transfer.ts). */
interface ImportController {
  readonly state: { readonly kind: string };
  readonly sync: { readonly status: { readonly phase: string; readonly pending: number; readonly failure: string | null }; now(): Promise<void> };
  start(): Promise<void>;
  readonly onboarding: { createAccount(username: string): Promise<void>; choosePin(pin: string, confirm: string): Promise<void> };
  readonly account: { pinRecoverySettled(): Promise<void> };
  readonly transfer: {
    preview(file: { name: string; bytes: Uint8Array }): Promise<ImportPreviewShape>;
    confirm(preview: ImportPreviewShape, options: { skipDuplicates: boolean }): Promise<{ imported: number; skipped: number }>;
  };
}

interface Table {
  count(): Promise<number>;
  toArray(): Promise<object[]>;
  bulkPut(rows: object[]): Promise<unknown>;
  clear(): Promise<void>;
}

interface BenchLocalStore extends Opaque {
  readonly db: { readonly records: Table; delete(): Promise<void> };
  /** Resolves once Dexie's chunk has loaded (`db` throws before). */
  database(): Promise<unknown>;
  close(): void;
}

export interface ImportAppCode {
  Argon2Client: new (options: { createWorker: () => unknown }) => Argon2Bridge;
  KeyServer: new () => Opaque;
  LocalStore: new (name?: string) => BenchLocalStore;
  createBrowserPasskeys: () => Opaque;
  Vault: new (deps: {
    argon2: Argon2Bridge['hash'];
    server: Opaque;
    store: Opaque;
    passkeys: Opaque;
    setTimer: (callback: () => void, ms: number) => unknown;
    clearTimer: (handle: unknown) => void;
  }) => ImportController;
}

interface SubtleCrypto {
  generateKey(algorithm: object, extractable: boolean, usages: string[]): Promise<unknown>;
  encrypt(algorithm: object, key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  wrapKey(format: 'raw', key: unknown, wrappingKey: unknown, algorithm: object): Promise<ArrayBuffer>;
}
interface BrowserGlobals {
  Worker: new (url: string, options?: { type?: 'module' | 'classic'; name?: string }) => unknown;
  performance: { now(): number };
  crypto: { subtle: SubtleCrypto; getRandomValues(bytes: Uint8Array): Uint8Array };
  TextEncoder: new () => { encode(text: string): Uint8Array };
}
const browser = globalThis as unknown as BrowserGlobals;

/** A Bitwarden unencrypted JSON export of `count` logins (every 10th a secure note), as Bitwarden writes one. */
function bitwardenExport(count: number): string {
  const items = Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    if (i % 10 === 9) return { id: `note-${n}`, type: 2, name: `Note ${n}`, notes: `Recovery codes for service ${n}: 1234-5678 9012-3456`, secureNote: { type: 0 } };
    return {
      id: `login-${n}`,
      type: 1,
      name: `Service ${n} account`,
      notes: i % 3 === 0 ? `Security question answer ${n}` : null,
      login: { username: `user${n}@example.com`, password: `pw-${n}-Xk9!qLm2#vR7`, uris: [{ match: null, uri: `https://service${n}.example.com/login` }], totp: null },
    };
  });
  return JSON.stringify({ encrypted: false, folders: [], items });
}

/** One record's encryption as the import does it (crypto/records.ts): a fresh DEK, AES-GCM, the DEK wrapped under a vault key. */
async function encryptLikeARecord(vaultKey: unknown, plaintext: Uint8Array): Promise<void> {
  const { subtle } = browser.crypto;
  const dek = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  await subtle.encrypt({ name: 'AES-GCM', iv: browser.crypto.getRandomValues(new Uint8Array(12)), additionalData: plaintext.subarray(0, 16) }, dek, plaintext);
  await subtle.wrapKey('raw', dek, vaultKey, { name: 'AES-GCM', iv: browser.crypto.getRandomValues(new Uint8Array(12)) });
}

export function createImportBenchApi(app: ImportAppCode) {
  let device: { controller: ImportController; store: BenchLocalStore; argon2: Argon2Bridge } | undefined;
  let file: { name: string; bytes: Uint8Array } | undefined;
  const need = () => {
    if (!device) throw new Error('openDevice first');
    return device;
  };

  return {
    /** Builds the device as src/main.ts does, except that timers never fire (no auto-lock or periodic sync mid-measurement). */
    async openDevice(workerUrl: string): Promise<void> {
      const argon2 = new app.Argon2Client({ createWorker: () => new browser.Worker(workerUrl, { type: 'module', name: 'argon2' }) });
      const store = new app.LocalStore();
      const controller = new app.Vault({
        argon2: argon2.hash.bind(argon2),
        server: new app.KeyServer(),
        store,
        passkeys: app.createBrowserPasskeys(),
        setTimer: () => null,
        clearTimer: () => {},
      });
      await controller.start();
      device = { controller, store, argon2 };
    },

    async onboard(username: string, pin: string): Promise<void> {
      const { controller } = need();
      await controller.onboarding.createAccount(username);
      await controller.onboarding.choosePin(pin, pin);
      await controller.account.pinRecoverySettled();
      await controller.sync.now();
    },

    /** Makes the export file in the page (not timed); returns its size in bytes. */
    makeFile(count: number): number {
      file = { name: 'bitwarden_export.json', bytes: new browser.TextEncoder().encode(bitwardenExport(count)) };
      return file.bytes.length;
    },

    /** Timed: `vault.transfer.preview` of the file, then `confirm`; checks every item landed. */
    async timedImport(): Promise<{ previewMs: number; confirmMs: number; imported: number; rows: number }> {
      const { controller, store } = need();
      if (!file) throw new Error('makeFile first');
      const start = browser.performance.now();
      const preview = await controller.transfer.preview(file);
      const previewed = browser.performance.now();
      const result = await controller.transfer.confirm(preview, { skipDuplicates: true });
      const done = browser.performance.now();
      return { previewMs: previewed - start, confirmMs: done - previewed, imported: result.imported, rows: await store.db.records.count() };
    },

    /**
     * The reference, same page, same moment: the work an import cannot avoid, done bare — each
     * item's encryption (fresh DEK, AES-GCM, wrap) with WebCrypto in slices of 256 as the import
     * does, and the rows it stored written again with one bulkPut into a scratch database.
     */
    async reference(count: number): Promise<{ encryptMs: number; bulkPutMs: number }> {
      const { store } = need();
      const { subtle } = browser.crypto;
      const vaultKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['wrapKey']);
      const plaintext = new browser.TextEncoder().encode(JSON.stringify({ kind: 'login', title: 'Service 00000 account', username: 'user00000@example.com', password: 'pw-00000-Xk9!qLm2#vR7', url: 'https://service00000.example.com/login', notes: '' }));
      const start = browser.performance.now();
      for (let done = 0; done < count; done += 256) {
        await Promise.all(Array.from({ length: Math.min(256, count - done) }, () => encryptLikeARecord(vaultKey, plaintext)));
      }
      const encryptMs = browser.performance.now() - start;
      const rows = await store.db.records.toArray();
      const scratch = new app.LocalStore('keyhold-import-bench-reference');
      await scratch.database(); // Dexie is a chunk the store loads on its own: `db` is there once it has
      const putStart = browser.performance.now();
      await scratch.db.records.bulkPut(rows);
      const bulkPutMs = browser.performance.now() - putStart;
      await scratch.db.delete();
      return { encryptMs, bulkPutMs };
    },

    /** Information: syncs until the outbox is empty (one PUT per record, as the sync engine sends them). */
    async timedPush(): Promise<{ ms: number; runs: number }> {
      const { controller } = need();
      const start = browser.performance.now();
      let runs = 0;
      do {
        await controller.sync.now();
        runs++;
        const { phase, failure, pending } = controller.sync.status;
        if (phase !== 'idle' || failure !== null) throw new Error(`sync ended ${phase} (${failure ?? 'no failure code'}), ${pending} pending`);
        if (runs > 20) throw new Error(`${pending} records still pending after 20 syncs`);
      } while (controller.sync.status.pending > 0);
      return { ms: browser.performance.now() - start, runs };
    },

    close(): void {
      device?.argon2.terminate();
      device?.store.close();
    },
  };
}

export type ImportBenchApi = ReturnType<typeof createImportBenchApi>;
