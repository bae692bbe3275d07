import type { Workbox } from 'workbox-window';

/** Fired on {@link AppUpdates} when a new app version has installed and waits. */
export const UPDATE_READY = 'update-ready';

/**
 * The service worker's update flow, seen from the page. A new version waits until the user
 * accepts it: swapping the app shell on its own could reload the page in the middle of an edit.
 */
export class AppUpdates extends EventTarget {
  #workbox: Workbox | undefined;
  #updateReady = false;

  /** Follows `workbox`, once registration has begun (see `registerServiceWorker`). */
  attach(workbox: Workbox): void {
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
    // Only a version found by `workbox` can be waiting, so it is there whenever this is offered.
    const workbox = this.#workbox;
    if (!workbox) return;
    // Listen only now: a `controlling` caused by another tab's update must not reload this one.
    workbox.addEventListener('controlling', () => window.location.reload());
    workbox.messageSkipWaiting();
  }
}

/** Resolves once the page's `load` event has fired. */
function pageLoaded(): Promise<void> {
  if (document.readyState === 'complete') return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('load', () => resolve(), { once: true }));
}

/**
 * Registers the service worker (sw.ts, built to `scriptUrl`) after the page has loaded, so the
 * precache downloads do not compete with the first render. workbox-window is a chunk of its
 * own, loaded then too: nothing on the first screen needs it.
 */
export function registerServiceWorker(scriptUrl: TrustedScriptURL | string): AppUpdates {
  const updates = new AppUpdates();
  pageLoaded()
    .then(() => import('workbox-window'))
    .then(({ Workbox }) => {
      const workbox = new Workbox(scriptUrl, { scope: '/' });
      updates.attach(workbox);
      return workbox.register();
    })
    .catch((error: unknown) => {
      // The app still works online without a service worker; only offline start-up is lost.
      console.warn('Keyhold: service worker registration failed', error);
    });
  return updates;
}
