import { LitElement, css, html, nothing } from 'lit';
import type { Vault } from '../vault';
import { OnlineController } from './online-controller';
import { openSettingsSection } from './settings-sections';
import { sharedStyles } from './shared-styles';

/** "Not now" hides the reminder on this device for a week. */
const SNOOZE_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Where "Not now" is remembered: the origin's local storage, not the vault's settings, which hold
 * only the bounded lock settings. Not a secret; an account deletion wipes it with the rest.
 */
const SNOOZE_KEY = 'keyhold.kit-reminder.snoozed-until';

function snoozed(now: number): boolean {
  try {
    const until = Number(localStorage.getItem(SNOOZE_KEY));
    return Number.isFinite(until) && until > now;
  } catch {
    return false; // storage refused (private mode): the reminder shows, which is the safe side
  }
}

/**
 * The vault screen's "Make a recovery kit" card while the account has none (read once from
 * `vault.account.recoveryRoutes()` when online; nothing shows offline or when that fails): right
 * after onboarding it is the skippable onboarding step, later the reminder. "Make it now" opens
 * Settings → Recovery; "Not now" hides it on this device for seven days.
 */
export class KhKitReminder extends LitElement {
  static override properties = {
    vault: { attribute: false },
    _show: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .card {
        margin-bottom: 1rem;
        border-left: 4px solid var(--kh-accent, #fbbf24);
      }
      h3 {
        margin: 0;
      }
    `,
  ];

  declare vault: Vault | undefined;
  declare private _show: boolean;
  readonly #online = new OnlineController(this);
  /** The server said the account has a kit: no need to ask again while this element lives. */
  #hasKit = false;
  /** Asked since this element was last put on the page. */
  #checked = false;
  #abort: AbortController | undefined;

  constructor() {
    super();
    this.vault = undefined;
    this._show = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // kh-vault keeps this element while another view is open; back on the list, the answer may
    // have changed (the kit was just made from here, or removed).
    this.#checked = false;
    this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
  }

  protected override updated(): void {
    if (this.vault && this.#online.value && !this.#checked && !this.#hasKit) void this.#check(this.vault);
  }

  async #check(vault: Vault): Promise<void> {
    this.#checked = true;
    if (snoozed(Date.now())) {
      this._show = false;
      return;
    }
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    try {
      const routes = await vault.account.recoveryRoutes(abort.signal);
      this.#hasKit = routes.kit.active;
      this._show = !routes.kit.active;
    } catch {
      if (!abort.signal.aborted) this._show = false; // unknown: no nagging on a guess
    }
  }

  protected override render(): unknown {
    if (!this._show) return nothing;
    return html`<section class="card" aria-labelledby="kit-reminder-heading" data-test="kit-reminder">
      <h3 id="kit-reminder-heading">Make a recovery kit</h3>
      <p>
        If this phone is lost or its browser data is cleared, a recovery kit (12 words on a page you keep) gets your vault back
        without depending on anyone.
      </p>
      <div class="actions">
        <button type="button" class="primary" @click=${this._onNow}>Make it now</button>
        <button type="button" @click=${this._onLater}>Not now</button>
      </div>
    </section>`;
  }

  private _onNow(): void {
    this._show = false; // back on the list, it asks again rather than show a kit being made as missing
    openSettingsSection(this, { section: 'recovery' });
  }

  private _onLater(): void {
    this._show = false;
    try {
      localStorage.setItem(SNOOZE_KEY, String(Date.now() + SNOOZE_MS));
    } catch {
      // not remembered: it shows again next time, nothing worse
    }
  }
}

customElements.define('kh-kit-reminder', KhKitReminder);

declare global {
  interface HTMLElementTagNameMap {
    'kh-kit-reminder': KhKitReminder;
  }
}
