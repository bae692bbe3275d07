import { css } from 'lit';

/** A modal `<dialog>` (confirmations, the re-prompt): a card over a dimmed page, phone-width first. */
export const dialogStyles = css`
  dialog {
    width: min(calc(100% - 2rem), 26rem);
    max-height: calc(100dvh - 2rem);
    padding: 1.25rem;
    border: 1px solid var(--kh-border);
    border-radius: 0.75rem;
    background: var(--kh-surface-raised, #1e293b);
    color: var(--kh-text, #e2e8f0);
  }
  dialog::backdrop {
    background: rgb(2 6 23 / 0.8);
  }
  h2 {
    margin-top: 0;
  }
`;
