import { LitElement, css, html, nothing } from 'lit';
import { sharedStyles } from './shared-styles';

const NO_CAMERA = {
  denied: 'Keyhold may not use the camera: permission was refused. Choose a picture of the QR code instead, or type the words.',
  none: 'This device has no camera Keyhold can use. Choose a picture of the QR code instead, or type the words.',
} as const;
const NO_CODE = 'No recovery kit QR code was found in this picture. Try a sharper one, or type the words.';

/**
 * The two ways to read a recovery kit's QR code instead of typing its words: "Scan the QR code"
 * (the back camera, shown in a `<video>` until a kit's code is in view; the camera stops at once
 * after) and "Choose a picture of the QR code", the fallback where there is no camera or no
 * permission. The decoder (kit-qr-reader.ts, jsQR) is fetched the first time either is used.
 *
 * @fires kh-kit-scanned - A kit's QR text was read (`detail`: the text, `keyhold-kit:1:…`).
 */
export class KhKitScan extends LitElement {
  static override properties = {
    disabled: { type: Boolean },
    _scanning: { state: true },
    _problem: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      video {
        display: block;
        width: 100%;
        max-height: 50vh;
        margin-top: 0.75rem;
        border-radius: 0.5rem;
        background: #000;
        object-fit: cover;
      }
      /* Empty, the alert line takes no room (the shared rule would pull the next field up). */
      .msg {
        margin: 0.5rem 0 0;
      }
      .msg:empty {
        margin: 0;
      }
    `,
  ];

  declare disabled: boolean;
  declare private _scanning: boolean;
  declare private _problem: string | undefined;
  #abort: AbortController | undefined;

  constructor() {
    super();
    this.disabled = false;
    this._scanning = false;
    this._problem = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort(); // a screen that goes away never leaves the camera on
  }

  protected override render(): unknown {
    return html`
      <div class="actions stacked">
        ${this._scanning
          ? html`<button type="button" @click=${this._onStop}>Stop the camera</button>`
          : html`<button type="button" ?disabled=${this.disabled} @click=${this._onScan}>Scan the QR code</button>`}
        <button type="button" ?disabled=${this.disabled} @click=${this._onChoose}>Choose a picture of the QR code</button>
        <input type="file" accept="image/*" hidden aria-label="Picture of the QR code" @change=${this._onPicture} />
      </div>
      ${this._scanning
        ? html`<video aria-label="Camera view" playsinline muted></video>
            <p class="hint" role="status">Point the camera at the QR code on your recovery kit.</p>`
        : nothing}
      <p class="error msg" role="alert">${this._problem ?? nothing}</p>
    `;
  }

  private async _onScan(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this._problem = undefined;
    this._scanning = true;
    try {
      const [{ scanKitWithCamera }] = await Promise.all([import('./kit-qr-reader'), this.updateComplete]);
      const video = this.renderRoot.querySelector('video');
      if (!video || abort.signal.aborted) return;
      const text = await scanKitWithCamera(video, abort.signal);
      this.#found(text);
    } catch (error) {
      if (abort.signal.aborted) return;
      const problem = (error as { problem?: unknown }).problem;
      this._problem = problem === 'denied' || problem === 'none' ? NO_CAMERA[problem] : NO_CAMERA.none;
    } finally {
      if (this.#abort === abort) {
        this.#abort = undefined;
        this._scanning = false;
      }
    }
  }

  private _onStop(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    this._scanning = false;
  }

  private _onChoose(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input[type="file"]')?.click();
  }

  private async _onPicture(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // the same picture chosen again fires change again
    if (!file) return;
    this._onStop();
    this._problem = undefined;
    const { readKitFromPicture } = await import('./kit-qr-reader');
    const text = await readKitFromPicture(file);
    if (text) this.#found(text);
    else this._problem = NO_CODE;
  }

  #found(text: string): void {
    this._problem = undefined;
    this.dispatchEvent(new CustomEvent<string>('kh-kit-scanned', { detail: text }));
  }
}

customElements.define('kh-kit-scan', KhKitScan);

declare global {
  interface HTMLElementTagNameMap {
    'kh-kit-scan': KhKitScan;
  }
}
