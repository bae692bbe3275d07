import { css } from 'lit';

/**
 * The look every screen shares: fields, buttons, messages. Adopted as a constructable stylesheet
 * by each element (no inline styles, so the CSP's `style-src 'self'` holds). Touch targets are at
 * least 2.75rem (44 px) and focus is always visible.
 */
export const sharedStyles = css`
  :host {
    display: block;
    --kh-border: #64748b;
    --kh-field: #020617;
    --kh-error: #fca5a5;
    --kh-success: #86efac;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h2 {
    margin: 1.25rem 0 0.5rem;
    font-size: 1.375rem;
    line-height: 1.3;
  }
  h2:focus {
    outline: none;
  }
  h3 {
    margin: 0 0 0.5rem;
    font-size: 1.125rem;
  }
  p {
    margin: 0.5rem 0;
  }
  form {
    --kh-gap: 1rem;
    display: flex;
    flex-direction: column;
    gap: var(--kh-gap);
    margin-top: 1.25rem;
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
    --kh-gap: 1rem;
    display: flex;
    flex-direction: column;
    gap: var(--kh-gap);
  }
  .field {
    --kh-gap: 0.25rem;
    display: flex;
    flex-direction: column;
    gap: var(--kh-gap);
  }
  /*
   * Live regions stay in the DOM while empty (so they announce when filled), but an empty one must
   * not leave a hole: the negative margin takes back the flex gap it would add.
   */
  .msg:empty {
    margin-top: calc(-1 * var(--kh-gap, 0px));
  }
  label {
    font-weight: 600;
  }
  input,
  textarea {
    width: 100%;
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    border: 1px solid var(--kh-border);
    border-radius: 0.5rem;
    background: var(--kh-field);
    color: inherit;
    font: inherit;
    font-size: max(1rem, 16px); /* 16 px or more: iOS Safari does not zoom into the field */
  }
  textarea {
    min-height: 7rem;
    resize: vertical;
  }
  input[aria-invalid='true'],
  textarea[aria-invalid='true'] {
    border-color: var(--kh-error);
  }
  input:disabled,
  textarea:disabled {
    opacity: 0.6;
  }
  button {
    min-height: 2.75rem;
    min-width: 2.75rem;
    padding: 0.375rem 1rem; /* a label that wraps on a narrow phone keeps clear of the border */
    border: 1px solid var(--kh-border);
    border-radius: 0.5rem;
    background: transparent;
    color: inherit;
    font: inherit;
    font-weight: 600;
    cursor: pointer;
    touch-action: manipulation;
  }
  button.primary {
    border-color: var(--kh-accent, #fbbf24);
    background: var(--kh-accent, #fbbf24);
    color: var(--kh-on-accent, #0f172a);
  }
  button.danger {
    border-color: var(--kh-error);
    color: var(--kh-error);
  }
  button.danger.confirm {
    background: var(--kh-error);
    color: #0f172a;
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  input:focus-visible,
  textarea:focus-visible,
  button:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--kh-focus, #93c5fd);
    outline-offset: 2px;
  }
  a {
    color: var(--kh-focus, #93c5fd);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
  }
  .actions.stacked {
    flex-direction: column;
  }
  .actions.stacked button {
    width: 100%;
  }
  .hint {
    margin: 0;
    color: var(--kh-muted, #94a3b8);
    font-size: 0.9375rem;
  }
  .error {
    margin: 0;
    color: var(--kh-error);
  }
  .ok {
    margin: 0;
    color: var(--kh-success);
  }
  .check {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    min-height: 2.75rem;
    font-weight: 400;
    cursor: pointer;
  }
  .check input {
    width: 1.375rem;
    min-height: 1.375rem;
    height: 1.375rem;
    margin: 0;
    accent-color: var(--kh-accent, #fbbf24);
  }
  .progress {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    color: var(--kh-text, #e2e8f0);
  }
  .spinner {
    flex: none;
    width: 1.25rem;
    height: 1.25rem;
    border: 3px solid var(--kh-border);
    border-top-color: var(--kh-accent, #fbbf24);
    border-radius: 50%;
    animation: kh-spin 0.9s linear infinite;
  }
  @keyframes kh-spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation-duration: 3s;
    }
  }
  .card {
    padding: 1rem;
    border-radius: 0.75rem;
    background: var(--kh-surface-raised, #1e293b);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
