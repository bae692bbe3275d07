import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Whether the browser believes it has a network (`navigator.onLine`), kept current from the
 * `online` / `offline` events. "Online" only means a network exists; the key server may still
 * be unreachable, which the server-health line reports.
 */
export class OnlineController implements ReactiveController {
  value = navigator.onLine;
  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('online', this.#onChange);
    window.addEventListener('offline', this.#onChange);
    this.#onChange();
  }

  hostDisconnected(): void {
    window.removeEventListener('online', this.#onChange);
    window.removeEventListener('offline', this.#onChange);
  }

  readonly #onChange = (): void => {
    if (this.value === navigator.onLine) return;
    this.value = navigator.onLine;
    this.#host.requestUpdate();
  };
}
