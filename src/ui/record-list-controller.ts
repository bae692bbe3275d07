import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RECORDS_CHANGED, type RecordSummary, type Vault } from '../vault';
import { toUiFailure, type UiFailure } from './failure-messages';

/** Pause after the last keystroke before searching: every search decrypts titles. */
const SEARCH_DELAY_MS = 150;

export type RecordListStatus = 'loading' | 'ready' | 'failed';

/**
 * The unlocked vault's record list for a search query: loads when the host connects, again on
 * every `RECORDS_CHANGED` and when the query changes. Only the newest request's answer is shown,
 * so a slow old search cannot overwrite a newer one.
 */
export class RecordListController implements ReactiveController {
  status: RecordListStatus = 'loading';
  records: readonly RecordSummary[] = [];
  failure: UiFailure | undefined;
  readonly #host: ReactiveControllerHost;
  readonly #vault: () => Vault | undefined;
  #listeningTo: Vault | undefined;
  #query = '';
  #request = 0;
  #searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost, vault: () => Vault | undefined) {
    this.#host = host;
    this.#vault = vault;
    host.addController(this);
  }

  get query(): string {
    return this.#query;
  }

  hostConnected(): void {
    this.#follow();
    void this.reload();
  }

  hostUpdate(): void {
    // The host's `vault` may be set after connecting; follow whichever it holds now.
    if (this.#vault() !== this.#listeningTo) {
      this.#follow();
      void this.reload();
    }
  }

  hostDisconnected(): void {
    clearTimeout(this.#searchTimer);
    this.#listeningTo?.removeEventListener(RECORDS_CHANGED, this.#onRecordsChanged);
    this.#listeningTo = undefined;
    // Drop decrypted titles with the screen: a locked vault leaves none behind in memory.
    this.records = [];
    this.#request++;
  }

  /** Searches for `query` after a short pause in typing. */
  search(query: string): void {
    this.#query = query;
    clearTimeout(this.#searchTimer);
    this.#searchTimer = setTimeout(() => void this.reload(), SEARCH_DELAY_MS);
  }

  async reload(): Promise<void> {
    const vault = this.#listeningTo;
    if (!vault) return;
    const request = ++this.#request;
    if (this.status === 'failed') this.#set('loading', this.records, undefined);
    try {
      const records = await vault.records.list(this.#query.trim() || undefined);
      if (request === this.#request) this.#set('ready', records, undefined);
    } catch (error) {
      if (request !== this.#request) return;
      const failure = toUiFailure(error);
      if (failure.code === 'unexpected') console.error('Keyhold: listing records failed', error);
      this.#set('failed', [], failure);
    }
  }

  #follow(): void {
    this.#listeningTo?.removeEventListener(RECORDS_CHANGED, this.#onRecordsChanged);
    this.#listeningTo = this.#vault();
    this.#listeningTo?.addEventListener(RECORDS_CHANGED, this.#onRecordsChanged);
  }

  #set(status: RecordListStatus, records: readonly RecordSummary[], failure: UiFailure | undefined): void {
    this.status = status;
    this.records = records;
    this.failure = failure;
    this.#host.requestUpdate();
  }

  readonly #onRecordsChanged = (): void => void this.reload();
}
