import { html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { Vault } from '../vault';
import { describeFailure } from './failure-messages';
import { OnlineController } from './online-controller';
import { VaultTask } from './vault-task';

/** A screen that lists something of the account, read from the key server with its `vault`. */
export interface AccountListHost extends ReactiveControllerHost {
  readonly vault: Vault | undefined;
}

/**
 * One list of the account (devices, passkeys) as a screen shows it: read once there is a vault
 * and a network, read again on `reload()`, and rendered as its failure with "Try again", a
 * loading line, or the entries.
 */
export class AccountListController<T> implements ReactiveController {
  readonly #host: AccountListHost;
  readonly #online: OnlineController;
  readonly #load: VaultTask<T[]>;
  readonly #read: (vault: Vault, signal: AbortSignal) => Promise<T[]>;

  constructor(host: AccountListHost, read: (vault: Vault, signal: AbortSignal) => Promise<T[]>) {
    this.#host = host;
    this.#online = new OnlineController(host);
    this.#load = new VaultTask<T[]>(host);
    this.#read = read;
    host.addController(this);
  }

  /** Whether the browser has a network: the lists live on the key server. */
  get online(): boolean {
    return this.#online.value;
  }

  /** The entries as last read; undefined while reading, or after a failure. */
  get items(): readonly T[] | undefined {
    return this.#load.value;
  }

  hostUpdated(): void {
    // First read once there is a vault and a network; a failure stays shown until "Try again".
    if (this.#host.vault && this.#online.value && this.#load.status === 'idle') void this.reload();
  }

  /** Reads the list again. */
  readonly reload = async (): Promise<void> => {
    const vault = this.#host.vault;
    if (!vault || !this.#online.value) return;
    await this.#load.run((signal) => this.#read(vault, signal));
  };

  /** The list under the heading `headingId`, each entry rendered by `entry`. */
  render(headingId: string, entries: (items: readonly T[]) => unknown): unknown {
    return this.renderLoaded((items) => html`<ul class="entries" aria-labelledby=${headingId}>
      ${entries(items)}
    </ul>`);
  }

  /** `content` of the loaded items (several lists, say); the loading line, or the failure and "Try again", until then. */
  renderLoaded(content: (items: readonly T[]) => unknown): unknown {
    const failure = this.#load.failure;
    if (failure) {
      return html`<p class="error msg" role="alert">${describeFailure(failure)}</p>
        <div class="actions"><button type="button" @click=${this.reload}>Try again</button></div>`;
    }
    const items = this.#load.value;
    if (!items) return html`<p role="status">Loading…</p>`;
    return content(items);
  }
}
