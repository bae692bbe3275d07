import { LitElement, css, html, nothing } from 'lit';
import type { PendingRecoveryKit } from '../vault';

/** "6 December 2026": the date a person writes on a paper they keep. */
export const kitDate = (at: number): string => new Date(at).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/**
 * A recovery kit as a person keeps it: the username, the date, the twelve words numbered in order
 * and the QR code. Shown once on screen (kh-recovery-kit), and with `print` set, the printed page:
 * kh-recovery-kit puts a second copy straight under `<body>` while the words are shown, and
 * styles.css prints only that copy (black on white, with one line of instructions).
 */
export class KhKitSheet extends LitElement {
  static override properties = {
    kit: { attribute: false },
    qr: { attribute: false },
    print: { type: Boolean, reflect: true },
  };

  static override styles = css`
    :host {
      display: block;
    }
    h1 {
      margin: 0 0 0.5rem;
      font-size: 1.5rem;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.25rem 0.75rem;
      margin: 0.5rem 0 1rem;
    }
    dt {
      color: var(--kh-muted, #94a3b8);
    }
    dd {
      margin: 0;
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    ol {
      display: grid;
      grid-template-columns: repeat(2, 1fr);
      gap: 0.5rem 1rem;
      margin: 0;
      padding: 0;
      list-style: none;
      counter-reset: word;
    }
    li {
      min-width: 0;
      overflow-wrap: anywhere;
      counter-increment: word;
      display: flex;
      align-items: baseline;
      gap: 0.5rem;
      padding: 0.375rem 0.5rem;
      border: 1px solid var(--kh-border, #64748b);
      border-radius: 0.375rem;
      font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
      font-size: 1.25rem;
      font-weight: 600;
      letter-spacing: 0.02em;
    }
    li::before {
      content: counter(word) '.';
      min-width: 1.75rem;
      color: var(--kh-muted, #94a3b8);
      font-size: 0.9375rem;
      font-weight: 400;
      text-align: right;
    }
    img {
      display: block;
      width: 12rem;
      height: 12rem;
      margin: 1rem auto 0;
      image-rendering: pixelated;
    }
    .instructions {
      margin: 1rem 0 0;
    }
    :host([print]) {
      color: #000;
      background: #fff;
      font-family: system-ui, sans-serif;
    }
    :host([print]) dt,
    :host([print]) li::before {
      color: #333;
    }
    :host([print]) li {
      border-color: #000;
    }
    :host([print]) ol {
      /* 3 or 4 to a row on paper; never wider than the page. */
      grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
    }
    :host([print]) img {
      width: 6cm;
      height: 6cm;
      margin: 1cm 0 0;
    }
  `;

  declare kit: PendingRecoveryKit | undefined;
  /** The QR code as a data: URL (the CSP allows `img-src data:`), made by the host. */
  declare qr: string | undefined;
  declare print: boolean;

  constructor() {
    super();
    this.kit = undefined;
    this.qr = undefined;
    this.print = false;
  }

  protected override render(): unknown {
    const kit = this.kit;
    if (!kit) return nothing;
    return html`
      ${this.print ? html`<h1>Keyhold recovery kit</h1>` : nothing}
      <dl>
        <dt>Username</dt>
        <dd data-test="kit-username">${kit.username}</dd>
        <dt>Made on</dt>
        <dd>${kitDate(kit.createdAt)}</dd>
      </dl>
      <ol aria-label="Your 12 recovery words" data-test="kit-words">
        ${kit.words.map((word) => html`<li>${word}</li>`)}
      </ol>
      ${this.qr ? html`<img src=${this.qr} alt="QR code of your recovery kit" />` : nothing}
      ${this.print
        ? html`<p class="instructions">
            Keep this page private: with it, anyone can open your vault. To use it, open Keyhold, choose “I already have a vault”,
            then “With my recovery kit”, or “Forgot your PIN?” on the lock screen.
          </p>`
        : nothing}
    `;
  }
}

customElements.define('kh-kit-sheet', KhKitSheet);

declare global {
  interface HTMLElementTagNameMap {
    'kh-kit-sheet': KhKitSheet;
  }
}
