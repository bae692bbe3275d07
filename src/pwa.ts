import { Workbox } from 'workbox-window';

/** Fired on {@link AppUpdates} when a new app version has installed and waits. */
export const UPDATE_READY = 'update-ready';

/**
 * The service worker's update flow, seen from the page. A new version waits until the user
 * accepts it: swapping the app shell on its own could reload the page in the middle of an edit.
 */
export class AppUpdates extends EventTarget {
  readonly #workbox: Workbox;
  #updateReady = false;

  constructor(workbox: Workbox) {
    super();
    this.#workbox = workbox;
    workbox.addEventListener('waiting', () => {
      this.#updateReady = true;
      this.dispatchEvent(new Event(UPDATE_READY));
    });
  }

  /** True once a new version waits; the event may have fired before the UI listened. */
  get updateReady(): boolean {
    return this.#updateReady;
  }

  /** Activates the waiting version and reloads this tab once the new version controls it. */
  applyUpdate(): void {
    // Listen only now: a `controlling` caused by another tab's update must not reload this one.
    this.#workbox.addEventListener('controlling', () => window.location.reload());
    this.#workbox.messageSkipWaiting();
  }
}

/**
 * Registers the service worker (sw.ts, built to `scriptUrl`) after the page has loaded, so the
 * precache downloads do not compete with the first render.
 */
export function registerServiceWorker(scriptUrl: TrustedScriptURL | string): AppUpdates {
  const workbox = new Workbox(scriptUrl, { scope: '/' });
  const updates = new AppUpdates(workbox);
  workbox.register().catch((error: unknown) => {
    // The app still works online without a service worker; only offline start-up is lost.
    console.warn('Keyhold: service worker registration failed', error);
  });
  return updates;
}
