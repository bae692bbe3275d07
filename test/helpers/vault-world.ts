/// <reference types="node" />
/**
 * TESTS ONLY (imported by src/vault/*.test.ts, never by the app). A world for Vault
 * tests: a real key server on SQLite in process (test/helpers/harness.ts), reached through
 * KeyServer with a fetch that behaves like a same-origin browser fetch (Origin header, cookie
 * jar); the browser passkey port over `navigator.credentials` emulated by software
 * authenticators with PRF (soft-browser.ts); a manual clock and timers; and a fresh IndexedDB
 * database (fake-indexeddb, which each test file imports first).
 *
 * The node reference is needed because the harness and the soft authenticator run on Node.
 */
import type { Dialect } from '../../server/store/store';
import { ORIGIN, startTestServer, type TestServer } from './harness';
import { SoftAuthenticator } from './soft-authenticator';
import { fakeArgon2ForHierarchyTests } from './fake-argon2';
import { KeyServer } from '../../src/vault/platform/key-server';
import { LocalStore } from '../../src/vault/platform/local-store';
import { createBrowserPasskeys } from '../../src/vault/platform/passkeys';
import { newCeremonies, softCredentials, type Ceremonies } from './soft-browser';
import { Vault } from '../../src/vault';
import type { VaultDeps } from '../../src/vault/deps';

// test/global-setup.ts declares this for the server's tsconfig; this program does not include it.
declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export type { Ceremonies } from './soft-browser';

export const PIN = '583920';
export const OTHER_PIN = '274615';

/** Timers that fire only when the test moves the clock. */
export class ManualClock {
  now = Date.UTC(2030, 0, 1);
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #nextId = 1;

  readonly setTimer = (callback: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.now + ms, callback });
    return id;
  };

  readonly clearTimer = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= target).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = target;
  }

  /** Moves time forward with no timer firing: a frozen page or a sleeping phone. */
  jump(ms: number): void {
    this.now += ms;
  }
}

/** What the fake network saw and how it behaves. */
export interface Network {
  offline: boolean;
  /** Requests matching this ("METHOD /path") fail as if offline. */
  failing: RegExp | null;
  /** Requests never answer (a network that hangs). */
  hang: boolean;
  /** Requests matching this reach the server, but the answer is lost on the way back. */
  losingAnswers?: RegExp | null;
  /** Runs before each request reaches the server ("METHOD /path"): a test's chance to race it. */
  beforeRequest?: ((request: string) => Promise<void>) | null;
  cookie: string | undefined;
  readonly requests: string[];
  /** Every request body sent to the server, as sent. */
  readonly bodies: string[];
}

/** A browser fetch from a page on `origin` (by default the key server's own) onto `server.app.request`: adds Origin, keeps the session cookie. */
function browserFetch(server: TestServer, network: Network, origin = ORIGIN): typeof fetch {
  return async (input, init) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? `${input.pathname}${input.search}` : input.url;
    if (network.offline || network.failing?.test(`${init?.method ?? 'GET'} ${path}`)) throw new TypeError('fetch failed');
    if (network.hang) return new Promise<Response>(() => {});
    await network.beforeRequest?.(`${init?.method ?? 'GET'} ${path}`);
    const headers = new Headers(init?.headers);
    headers.set('origin', origin);
    if (network.cookie) headers.set('cookie', network.cookie);
    if (typeof init?.body === 'string') network.bodies.push(init.body);
    network.requests.push(`${init?.method ?? 'GET'} ${path}`);
    const response = await server.app.request(path, { method: init?.method, headers, body: init?.body });
    if (network.losingAnswers?.test(`${init?.method ?? 'GET'} ${path}`)) throw new TypeError('fetch failed');
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      network.cookie = /=$/.test(pair!) || /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    return response;
  };
}

let databases = 0;

/** Another device of the same person: its own IndexedDB and cookie jar, the same (synced) passkey. */
export interface OtherDevice {
  readonly network: Network;
  readonly store: LocalStore;
  vault(overrides?: Partial<VaultDeps>): Vault;
}

export interface VaultWorld {
  readonly server: TestServer;
  readonly network: Network;
  readonly clock: ManualClock;
  readonly authenticator: SoftAuthenticator;
  readonly ceremonies: Ceremonies;
  readonly storage: { persisted: boolean; granted: boolean };
  /** A new Vault (a page load) on `store`, by default the world's database. */
  vault(store?: LocalStore, overrides?: Partial<VaultDeps>): Vault;
  /** A second handle on the world's database, as a reloaded page would open it. */
  reopenStore(): LocalStore;
  readonly store: LocalStore;
  /**
   * A second device (its own storage and cookies) on the same server, clock and authenticator.
   * `origin`: the origin its pages run on, another app's (register it with APPS); its vault signs
   * that origin into device sign-ins.
   */
  otherDevice(name?: string, options?: { readonly origin?: string }): OtherDevice;
  close(): Promise<void>;
}

/**
 * `env`: key server settings for this world (e.g. a lower record size limit). `dialect`: the
 * server's database; PostgreSQL only where the test project provides `pgUrl` (the server project).
 */
export async function startVaultWorld(env: Record<string, string> = {}, dialect: Dialect = 'sqlite'): Promise<VaultWorld> {
  const server = await startTestServer(dialect, env);
  const network: Network = { offline: false, failing: null, hang: false, cookie: undefined, requests: [], bodies: [] };
  const clock = new ManualClock();
  const authenticator = new SoftAuthenticator();
  const ceremonies = newCeremonies(authenticator);
  const passkeys = createBrowserPasskeys(softCredentials(ceremonies));
  const keyServer = new KeyServer('', browserFetch(server, network));
  const storage = { persisted: false, granted: true };
  const name = `keyhold-test-${process.pid}-${++databases}`;
  const stores: LocalStore[] = [];
  const open = () => {
    const store = new LocalStore(name);
    stores.push(store);
    return store;
  };
  const store = open();
  const deps = (onStore: LocalStore, net: Network, keys: KeyServer, deviceName: string, overrides: Partial<VaultDeps>): VaultDeps => ({
    argon2: fakeArgon2ForHierarchyTests,
    server: keys,
    store: onStore,
    passkeys,
    now: () => clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    isOnline: () => !net.offline,
    origin: ORIGIN,
    deviceName,
    storage: {
      persist: async () => (storage.persisted = storage.granted),
      persisted: async () => storage.persisted,
    },
    ...overrides,
  });
  return {
    server,
    network,
    clock,
    authenticator,
    ceremonies,
    storage,
    store,
    reopenStore: open,
    vault: (onStore = store, overrides = {}) => new Vault(deps(onStore, network, keyServer, 'Test phone', overrides)),
    otherDevice(deviceName = 'Test tablet', { origin = ORIGIN } = {}) {
      const net: Network = { offline: false, failing: null, hang: false, cookie: undefined, requests: [], bodies: [] };
      const keys = new KeyServer('', browserFetch(server, net, origin));
      const own = new LocalStore(`${name}-${++databases}`);
      stores.push(own);
      return { network: net, store: own, vault: (overrides = {}) => new Vault(deps(own, net, keys, deviceName, { origin, ...overrides })) };
    },
    async close() {
      for (const s of stores) s.close();
      await server.close();
    },
  };
}

/** Onboarding as the UI drives it: start, create the account, choose the PIN. */
export async function onboard(world: VaultWorld, username = 'alice', pin = PIN): Promise<Vault> {
  const vault = world.vault();
  await vault.start();
  await vault.onboarding.createAccount(username);
  await vault.onboarding.choosePin(pin, pin);
  return vault;
}

/** The code of a rejected promise's VaultError (or the error itself), for `expect(...).resolves`. */
export const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof Error && 'code' in error ? { code: (error as { code: unknown }).code, retryAt: (error as { retryAt?: unknown }).retryAt } : error),
  );

/** Every row of every table of `store`'s database, as one JSON string. */
export async function dumpIndexedDb(store: LocalStore): Promise<string> {
  const tables = await Promise.all(store.db.tables.map(async (table) => [table.name, await table.toArray()] as const));
  return JSON.stringify(Object.fromEntries(tables));
}

/** Every row of every table of the key server's database, as one JSON string. */
export async function dumpServerDb(server: TestServer): Promise<string> {
  const tables = ['users', 'credentials', 'devices', 'challenges', 'sessions', 'secret_blobs', 'audit_log', 'rate_limits', 'recovery_kits'] as const;
  const rows = await Promise.all(tables.map(async (table) => [table, await server.store.db.selectFrom(table).selectAll().execute()] as const));
  return JSON.stringify(Object.fromEntries(rows));
}
