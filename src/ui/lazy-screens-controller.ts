import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Where one screen's module stands; a module defines its custom element when it runs. */
export type ScreenModuleStatus = 'loading' | 'ready' | 'failed';

/**
 * Loads the modules of screens that the first screen does not need (they are separate chunks,
 * which the service worker precaches, so they load offline too) the first time the host asks for
 * one, and re-renders the host when it lands. A failed load is an explicit state: a chunk can be
 * missing only when the app was updated on the server and this page is older than the service
 * worker's precache, which a reload fixes.
 */
export class LazyScreensController<Screen extends string> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #loaders: Readonly<Record<Screen, () => Promise<unknown>>>;
  readonly #status = new Map<Screen, ScreenModuleStatus>();

  constructor(host: ReactiveControllerHost, loaders: Readonly<Record<Screen, () => Promise<unknown>>>) {
    this.#host = host;
    this.#loaders = loaders;
    host.addController(this);
  }

  /** Nothing to set up: a load starts when a screen is first asked for. */
  hostConnected(): void {}

  /** Where `screen`'s module stands; asking starts its load. */
  status(screen: Screen): ScreenModuleStatus {
    const known = this.#status.get(screen);
    if (known) return known;
    this.#status.set(screen, 'loading');
    this.#loaders[screen]().then(
      () => this.#show(screen, 'ready'),
      (error: unknown) => {
        console.error(`Keyhold: the ${screen} screen did not load`, error);
        this.#show(screen, 'failed');
      },
    );
    return 'loading';
  }

  #show(screen: Screen, status: ScreenModuleStatus): void {
    this.#status.set(screen, status);
    this.#host.requestUpdate();
  }
}
