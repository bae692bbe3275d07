/**
 * Field notes' composition root: the Trusted Types policy, the Argon2 worker, the vault of the app
 * `fieldnotes` against the key server on its own origin, and the service worker. Everything about
 * keys, PINs and sync comes from the Keyhold SDK (`keyhold-sdk`), nothing else of Keyhold.
 */
import { argon2WorkerUrl } from 'keyhold-sdk/argon2-worker';
import { Argon2Client, KeyServer, LocalStore, RECORDS_REPLAYED_MESSAGE, Vault, createBrowserPasskeys, type VaultDeps } from 'keyhold-sdk';
import './fn-app';

/** The app id the key server registered this origin under (`npm run apps`). */
const APP_ID = 'fieldnotes';
/** Fixed at build time (vite.config.ts, KEY_SERVER_ORIGIN); the CSP's connect-src names the same origin. */
const KEY_SERVER_ORIGIN = __KEY_SERVER_ORIGIN__;
const SERVICE_WORKER_URL = '/sw.js';

/**
 * Under `require-trusted-types-for 'script'`, the Worker and the service worker accept only a
 * TrustedScriptURL: this policy makes one for exactly these two scripts and refuses any other.
 */
const scripts = new Set([argon2WorkerUrl, SERVICE_WORKER_URL].map((url) => new URL(url, document.baseURI).href));
const policy = window.trustedTypes?.createPolicy('fieldnotes', {
  createScriptURL(url: string) {
    const href = new URL(url, document.baseURI).href;
    if (!scripts.has(href)) throw new TypeError(`Not one of Field notes' scripts: ${url}`);
    return href;
  },
});
const toScriptUrl = (url: string): string => (policy ? (policy.createScriptURL(url) as unknown as string) : url);

const argon2 = new Argon2Client({ createWorker: () => new Worker(toScriptUrl(argon2WorkerUrl), { type: 'module', name: 'argon2' }) });

const deps: VaultDeps = {
  appId: APP_ID,
  argon2: argon2.hash.bind(argon2),
  prewarmArgon2: argon2.prewarm.bind(argon2),
  server: new KeyServer(KEY_SERVER_ORIGIN),
  store: new LocalStore(),
  passkeys: createBrowserPasskeys(),
};
const vault = new Vault(deps);

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register(toScriptUrl(SERVICE_WORKER_URL), { type: 'module' }).catch(() => undefined);
  // The service worker replayed record writes in the background: settle the outbox against them.
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    if ((event.data as { type?: unknown } | null)?.type === RECORDS_REPLAYED_MESSAGE) void vault.sync.now();
  });
}

const app = document.querySelector('fn-app');
if (app) app.vault = vault;
