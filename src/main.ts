/**
 * The composition root: the only place that creates the app's singletons (the Trusted Types
 * policy, the Argon2 client, the service-worker updates) and hands them to the UI.
 */
import argon2WorkerUrl from '../worker/argon2.worker.ts?worker&url';
import type { AppServices } from './app-services';
import { registerServiceWorker } from './pwa';
import { createScriptUrlPolicy } from './script-url-policy';
import './ui/kh-app';
import { Argon2Client, KeyServer, LocalStore, RECORDS_REPLAYED_MESSAGE, Vault, createBrowserPasskeys } from './vault';

/** Where vite-plugin-pwa writes the built sw.ts; at the root so its scope covers the whole app. */
const SERVICE_WORKER_URL = '/sw.js';

const toScriptUrl = createScriptUrlPolicy([SERVICE_WORKER_URL, argon2WorkerUrl]);

const argon2 = new Argon2Client({
  // lib.dom types the Worker constructor without Trusted Types, which browsers do accept.
  createWorker: () => new Worker(toScriptUrl(argon2WorkerUrl) as string, { type: 'module', name: 'argon2' }),
});

const vault = new Vault({
  argon2: argon2.hash.bind(argon2),
  server: new KeyServer(),
  store: new LocalStore(),
  passkeys: createBrowserPasskeys(),
});

const services: AppServices = {
  argon2,
  // <kh-app> calls vault.start() once and offers a retry if it fails.
  vault,
  // Only `vite build` emits sw.js; the dev server has none to register.
  updates: import.meta.env.PROD && 'serviceWorker' in navigator ? registerServiceWorker(toScriptUrl(SERVICE_WORKER_URL)) : undefined,
};

// The service worker replayed record writes in the background: settle the outbox against them.
navigator.serviceWorker?.addEventListener('message', (event: MessageEvent<unknown>) => {
  if ((event.data as { type?: unknown } | null)?.type === RECORDS_REPLAYED_MESSAGE) void vault.sync.now();
});

const app = document.querySelector('kh-app');
if (app) app.services = services;
