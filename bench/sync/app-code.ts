/**
 * What the sync bench's page code sees of the app and of the browser, typed here because
 * tsconfig.server.json checks bench/ without lib.dom and without src/: the app's exports arrive
 * through `SyncAppCode` (the shapes they have in src/vault/), the browser globals used through
 * `browser`, and a change-feed record through `ServerRecord`.
 */

/** An object of the app's passed back in as it came out; never inspected here. */
export type Opaque = { readonly __opaque?: never };

interface BrowserWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error', listener: (event: { data?: unknown; message?: string }) => void): void;
}

interface SyncStatus {
  readonly phase: string;
  readonly pending: number;
  readonly failure: string | null;
}

/** The parts of the SDK's `Vault` the bench calls, with the shapes they have in src/vault/vault.ts. */
export interface Controller {
  readonly state: { readonly kind: string };
  readonly sync: { readonly status: SyncStatus; now(): Promise<void> };
  start(): Promise<void>;
  readonly onboarding: { createAccount(username: string): Promise<void>; choosePin(pin: string, confirm: string): Promise<void> };
  readonly account: { pinRecoverySettled(): Promise<void> };
  readonly recovery: { withPin(username: string, pin: string): Promise<void> };
  readonly records: {
    list(): Promise<Array<{ readonly id: string; readonly title: string }>>;
    read(id: string): Promise<Record<string, unknown>>;
    save(id: string | null, content: Readonly<Record<string, string>>): Promise<string>;
  };
}

export interface Argon2Bridge {
  hash(password: Uint8Array, salt: Uint8Array, params: unknown): Promise<Uint8Array>;
  terminate(): void;
}

/** A page of `GET /api/records/changes` (protocol/api.ts RecordChanges); the records stay opaque. */
export interface ChangesPage {
  readonly changes: readonly Opaque[];
  readonly cursor: number;
  readonly more: boolean;
}

interface BenchLocalStore extends Opaque {
  readonly db: {
    readonly records: { count(): Promise<number>; bulkGet(ids: string[]): Promise<unknown[]>; bulkPut(rows: object[]): Promise<unknown> };
    delete(): Promise<void>;
  };
  liveRecords(): Promise<Opaque[]>;
  /** Resolves once Dexie's chunk has loaded (`db` throws before). */
  database(): Promise<unknown>;
  close(): void;
}

/** The subset of the app's exports the bench uses. */
export interface SyncAppCode {
  Argon2Client: new (options: { createWorker: () => BrowserWorker }) => Argon2Bridge;
  KeyServer: new () => Opaque & { recordChanges(after: number, limit?: number): Promise<ChangesPage> };
  LocalStore: new (name?: string) => BenchLocalStore;
  /** src/vault/sync/sync-store.ts: the engine's IndexedDB side, used on its own by `breakdown`. */
  SyncStore: new (store: BenchLocalStore) => { applyChanges(changes: readonly Opaque[], meta: { cursor: number; lastSyncAt: number | null }): Promise<{ changed: number; refused: number }> };
  parseEncryptedRecord(untrusted: unknown): Opaque;
  createBrowserPasskeys: () => Opaque;
  Vault: new (deps: {
    argon2: Argon2Bridge['hash'];
    server: Opaque;
    store: Opaque;
    passkeys: Opaque;
    isOnline: () => boolean;
    setTimer: (callback: () => void, ms: number) => unknown;
    clearTimer: (handle: unknown) => void;
  }) => Controller;
}

interface ResourceEntry {
  readonly name: string;
  readonly startTime: number;
  readonly responseStart: number;
  readonly responseEnd: number;
  readonly transferSize: number;
  readonly encodedBodySize: number;
}
interface BrowserGlobals {
  Worker: new (url: string, options?: { type?: 'module' | 'classic'; name?: string }) => BrowserWorker;
  performance: {
    now(): number;
    getEntriesByType(type: 'resource'): ResourceEntry[];
    clearResourceTimings(): void;
    setResourceTimingBufferSize(size: number): void;
  };
  fetch(url: string): Promise<{ json(): Promise<unknown> }>;
}
export const browser = globalThis as unknown as BrowserGlobals;

/** The fields of a change-feed record (protocol/api.ts RecordEnvelope) the breakdown copies. */
export interface ServerRecord {
  readonly id: string;
  readonly version: number;
  readonly v: number;
  readonly updatedAt: number;
  readonly wrappedDek: string;
  readonly ciphertext: string;
}

/** The row src/vault/sync/sync-store.ts's rowFromServer makes of a live server record (without its blob checks). */
export const rowFromServer = (r: ServerRecord) => ({ id: r.id, v: r.v, updatedAt: r.updatedAt, synced: 1, deleted: 0, serverVersion: r.version, wrappedDek: r.wrappedDek, ciphertext: r.ciphertext });
