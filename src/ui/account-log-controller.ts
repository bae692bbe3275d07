import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { ACCOUNT_LOG_CHANGED, type AccountLogStatus, type Vault } from '../vault';

const UNCHECKED: AccountLogStatus = { state: 'unlogged', seq: 0, warnings: [] };

/**
 * Follows `vault.accountLog.status` for its host (`ACCOUNT_LOG_CHANGED`): the banner, the devices
 * and passkeys screens and the vault screen re-render when the account log's state or warnings change.
 */
export class AccountLogController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #vault: () => Vault | undefined;
  #listeningTo: Vault | undefined;

  constructor(host: ReactiveControllerHost, vault: () => Vault | undefined) {
    this.#host = host;
    this.#vault = vault;
    host.addController(this);
  }

  /** The status as last checked (nothing known: `unlogged`, no warnings). */
  get status(): AccountLogStatus {
    return this.#listeningTo?.accountLog.status ?? UNCHECKED;
  }

  /**
   * Whether the account has a log this device checked: only then do device and passkey lists
   * split into what the log holds and what it does not (before, no item is `inLog`).
   */
  get logged(): boolean {
    const { state } = this.status;
    return state === 'verified' || state === 'warning';
  }

  hostConnected(): void {
    this.#follow();
  }

  hostUpdate(): void {
    // The host's `vault` may be set after connecting; follow whichever it holds now.
    if (this.#vault() !== this.#listeningTo) this.#follow();
  }

  hostDisconnected(): void {
    this.#listeningTo?.removeEventListener(ACCOUNT_LOG_CHANGED, this.#onChanged);
    this.#listeningTo = undefined;
  }

  #follow(): void {
    this.#listeningTo?.removeEventListener(ACCOUNT_LOG_CHANGED, this.#onChanged);
    this.#listeningTo = this.#vault();
    this.#listeningTo?.addEventListener(ACCOUNT_LOG_CHANGED, this.#onChanged);
  }

  readonly #onChanged = (): void => {
    this.#host.requestUpdate();
  };
}
