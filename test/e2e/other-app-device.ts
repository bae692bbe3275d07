/**
 * TESTS ONLY. A device of another app of the ecosystem (issue 17), run in Node against a journey's
 * live key server: the real vault SDK with `appId`, its requests sent from that app's origin with
 * its own cookie jar, IndexedDB from fake-indexeddb (installed as the globals `idb` checks against
 * only while `withFakeIndexedDb` says so, then taken away), and the real Argon2id WASM. For a Keyhold journey that needs another app's device on the account
 * without that app's pages; the two-origin journey drives a real second app in Chromium.
 */
import { readFileSync } from 'node:fs';
import * as fakeIndexedDb from 'fake-indexeddb';
import { registerApp } from '../../server/domain/app-registration';
import { openDatabase } from '../../server/store/database';
import { listApps } from '../../server/store/apps';
import { NOTES_APP } from '../helpers/harness';
import type { LiveServer } from './browser';
import { instantiateArgon2, type Argon2Wasm } from '../../worker/argon2-wasm';
import { KeyServer, LocalStore, Vault, type PasskeyPort } from '../../src/vault';
import type { DeriveArgon2 } from '../../src/vault/crypto';

/** Argon2id as the worker computes it: the same SIMD build, compiled by Node's V8; its memory goes with the vault that holds it. */
function nodeArgon2(): DeriveArgon2 {
  let wasm: Promise<Argon2Wasm> | undefined;
  return async (password, salt, params) => {
    wasm ??= instantiateArgon2(new WebAssembly.Module(readFileSync(new URL('../../worker/wasm/argon2-simd.wasm', import.meta.url))));
    return (await wasm).hashArgon2id({ password, salt, params });
  };
}

/** This device has no passkey of its own: it joins by PIN recovery, which needs none. */
const noPasskeys: PasskeyPort = {
  create: () => Promise.reject(new Error('this test device has no passkeys')),
  get: () => Promise.reject(new Error('this test device has no passkeys')),
};

/** A fetch from a page on `origin`: sends that Origin and keeps the cookies the key server sets, as a browser would. */
function fetchFrom(origin: string): typeof fetch {
  const jar = new Map<string, string>();
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('origin', origin);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair] = setCookie.split(';');
      const name = pair!.slice(0, pair!.indexOf('='));
      if (/=$/.test(pair!) || /Max-Age=0/i.test(setCookie)) jar.delete(name);
      else jar.set(name, pair!.slice(name.length + 1));
    }
    return response;
  };
}

const IDB_GLOBALS = ['IDBCursor', 'IDBCursorWithValue', 'IDBDatabase', 'IDBFactory', 'IDBIndex', 'IDBKeyRange', 'IDBObjectStore', 'IDBOpenDBRequest', 'IDBRequest', 'IDBTransaction', 'IDBVersionChangeEvent'] as const;

/**
 * Installs fake-indexeddb's IDB classes as globals (the `idb` library tests `instanceof IDBRequest`
 * on them) and returns what takes them away again: call it in the test that runs the device, and
 * the returned function after it, so no other test file of the process sees them.
 */
export function withFakeIndexedDb(): () => void {
  const before = IDB_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
  for (const name of IDB_GLOBALS) Object.defineProperty(globalThis, name, { value: fakeIndexedDb[name], configurable: true, writable: true });
  return () => {
    for (const [name, descriptor] of before) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  };
}

/**
 * A vault of app `appId` on `origin`, talking to the key server at `keyServer`; `start()` it, then
 * join an account. `close()` locks it (its sync stops) and closes its database: call it after the test.
 */
export function otherAppVault({ appId, origin, keyServer, deviceName }: { appId: string; origin: string; keyServer: string; deviceName: string }): { vault: Vault; close(): void } {
  const store = new LocalStore(`other-app-${crypto.randomUUID()}`, { indexedDB: new fakeIndexedDb.IDBFactory(), IDBKeyRange: fakeIndexedDb.IDBKeyRange });
  const vault = new Vault({
    appId,
    origin,
    deviceName,
    argon2: nodeArgon2(),
    server: new KeyServer(keyServer, fetchFrom(origin)),
    store,
    passkeys: noPasskeys,
    isOnline: () => true,
    storage: null,
  });
  return {
    vault,
    close() {
      vault.lock('button');
      store.close();
    },
  };
}

/**
 * Registers Field notes on a journey's key server, as `npm run apps -- add` does (the server reads
 * it at its first request from that origin); already registered by an earlier journey of the file: nothing to do.
 */
export async function registerFieldNotes(server: LiveServer): Promise<void> {
  const database = openDatabase({ sqliteFile: server.databaseFile });
  try {
    if ((await listApps(database.store)).some((app) => app.id === NOTES_APP.id)) return;
    await registerApp(database.store, NOTES_APP, Date.now());
  } finally {
    await database.close();
  }
}
