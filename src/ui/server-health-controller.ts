import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { fetchServerHealth, type ServerHealth } from '../vault';

/**
 * Keeps its host informed of the key server's health: checks when the host connects and again
 * whenever the browser says it is back online. `value` is undefined while a check runs.
 */
export class ServerHealthController implements ReactiveController {
  value: ServerHealth | undefined;
  readonly #host: ReactiveControllerHost;
  #check: AbortController | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener('online', this.#onOnline);
    window.addEventListener('offline', this.#onOffline);
    void this.refresh();
  }

  hostDisconnected(): void {
    window.removeEventListener('online', this.#onOnline);
    window.removeEventListener('offline', this.#onOffline);
    this.#check?.abort();
  }

  /** Starts a new check, abandoning one still running. */
  async refresh(): Promise<void> {
    this.#check?.abort();
    const check = (this.#check = new AbortController());
    this.#show(undefined);
    try {
      this.#show(await fetchServerHealth(check.signal));
    } catch (error) {
      if (!check.signal.aborted) throw error;
      // Aborted: a newer check or a disconnect owns the state now.
    }
  }

  #show(value: ServerHealth | undefined): void {
    this.value = value;
    this.#host.requestUpdate();
  }

  readonly #onOnline = (): void => void this.refresh();

  readonly #onOffline = (): void => {
    this.#check?.abort();
    this.#show({ state: 'offline' });
  };
}
