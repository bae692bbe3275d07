import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { STATE_CHANGED, type Vault, type VaultState } from '../vault';

const LOADING: VaultState = { kind: 'loading' };

/** Vaults already started: `start()` runs once per controller, however often the shell re-renders. */
const started = new WeakSet<Vault>();

/**
 * Follows the vault controller's state for the app shell: re-renders the host on every
 * `STATE_CHANGED` and starts the vault the first time it is seen. A failed start is an explicit
 * state (`startFailed`), not a spinner that never ends.
 */
export class VaultStateController implements ReactiveController {
  startFailed = false;
  readonly #host: ReactiveControllerHost;
  #vault: Vault | undefined;
  #connected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  get state(): VaultState {
    return this.#vault?.state ?? LOADING;
  }

  /** Follows `vault` from now on (the shell calls this whenever its services change). */
  observe(vault: Vault | undefined): void {
    if (vault === this.#vault) return;
    if (this.#connected) this.#vault?.removeEventListener(STATE_CHANGED, this.#onStateChanged);
    this.#vault = vault;
    if (this.#connected) this.#listen();
  }

  hostConnected(): void {
    this.#connected = true;
    this.#listen();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#vault?.removeEventListener(STATE_CHANGED, this.#onStateChanged);
  }

  /** Starts the vault again after a failed start (the shell's "Try again"). */
  retryStart(): void {
    if (this.#vault) this.#start(this.#vault);
  }

  #listen(): void {
    const vault = this.#vault;
    if (!vault) return;
    vault.addEventListener(STATE_CHANGED, this.#onStateChanged);
    if (!started.has(vault)) this.#start(vault);
    this.#host.requestUpdate();
  }

  #start(vault: Vault): void {
    started.add(vault);
    this.startFailed = false;
    this.#host.requestUpdate();
    vault.start().catch((error: unknown) => {
      // IndexedDB refused (private mode, storage full, a newer schema…): say so and offer a retry.
      console.error('Keyhold: the vault did not start', error);
      if (vault !== this.#vault) return;
      this.startFailed = true;
      this.#host.requestUpdate();
    });
  }

  readonly #onStateChanged = (): void => {
    this.#host.requestUpdate();
  };
}
