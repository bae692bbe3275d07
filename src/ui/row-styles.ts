import { css } from 'lit';

/**
 * A list row that is one full-width button: a title over a summary line, with something at the
 * end (a chevron, badges). Declarations only, for a rule of the element's own
 * (`.record { ${rowButtonBox} … }`).
 */
export const rowButtonBox = css`
  display: grid;
  grid-template-columns: 1fr auto;
  align-items: center;
  gap: 0.125rem 0.75rem;
  width: 100%;
  min-height: 3.5rem;
  padding: 0.625rem 1rem;
  border-color: transparent;
  background: var(--kh-surface-raised, #1e293b);
`;

/** A small pill beside a name ("This device", "not yet synced"); variants add a colour class. */
export const badgeStyles = css`
  .badge {
    padding: 0.125rem 0.5rem;
    border: 1px solid var(--kh-accent, #fbbf24);
    border-radius: 999px;
    color: var(--kh-accent, #fbbf24);
    font-size: 0.8125rem;
    white-space: nowrap;
  }
`;
