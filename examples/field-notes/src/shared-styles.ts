import { css } from 'lit';

/** The look every Field notes screen shares: paper on a dark green field, large touch targets. */
export const sharedStyles = css`
  :host {
    display: block;
    max-width: 34rem;
    margin: 0 auto;
    padding: 1rem 1rem 3rem;
    box-sizing: border-box;
  }
  h1,
  h2 {
    margin: 0.5rem 0 1rem;
    line-height: 1.2;
  }
  h1 {
    font-size: 1.6rem;
  }
  h2 {
    font-size: 1.2rem;
  }
  p {
    line-height: 1.45;
  }
  form,
  fieldset {
    display: grid;
    gap: 0.75rem;
  }
  fieldset {
    border: 1px solid var(--muted);
    border-radius: 0.5rem;
    padding: 0.75rem;
    margin: 0;
  }
  label {
    display: grid;
    gap: 0.25rem;
    font-weight: 600;
  }
  input,
  textarea {
    font: inherit;
    padding: 0.65rem;
    border-radius: 0.4rem;
    border: 1px solid var(--muted);
    background: var(--field);
    color: var(--paper);
  }
  textarea {
    min-height: 9rem;
    resize: vertical;
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 2.75rem;
    padding: 0.5rem 1rem;
    border-radius: 0.4rem;
    border: 2px solid var(--paper);
    background: var(--paper);
    color: var(--ink);
    cursor: pointer;
  }
  button.secondary {
    background: transparent;
    color: var(--paper);
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  :focus-visible {
    outline: 3px solid var(--muted);
    outline-offset: 2px;
  }
  .row {
    display: flex;
    gap: 0.5rem;
    flex-wrap: wrap;
    align-items: center;
  }
  .error {
    color: var(--danger);
    font-weight: 600;
  }
  .hint {
    color: var(--muted);
    font-size: 0.95rem;
  }
  details {
    margin-top: 1.5rem;
  }
  details form + form {
    margin-top: 1.5rem;
  }
  summary {
    cursor: pointer;
    font-weight: 600;
    padding: 0.6rem 0;
  }
`;
