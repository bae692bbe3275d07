import { css } from 'lit';

/** "6 Dec 2026": when a device or passkey was added. */
export function formatDay(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "6 Dec 2026, 06:45": when a device was last seen or a passkey last used. */
export function formatMoment(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** The look of the devices and passkeys lists: one block per entry, its name, badges, dates and buttons. */
export const accountListStyles = css`
  h3[tabindex='-1']:focus {
    outline: none;
  }
  ul.entries {
    list-style: none;
    margin: 0.75rem 0 0;
    padding: 0;
  }
  ul.entries > li {
    padding: 0.75rem 0;
    border-top: 1px solid var(--kh-border);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 0.5rem;
  }
  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .badge {
    padding: 0.125rem 0.5rem;
    border: 1px solid var(--kh-accent, #fbbf24);
    border-radius: 999px;
    color: var(--kh-accent, #fbbf24);
    font-size: 0.8125rem;
    white-space: nowrap;
  }
  .badge.removed {
    border-color: var(--kh-border);
    color: var(--kh-muted, #94a3b8);
  }
  .meta {
    margin: 0.25rem 0 0;
    color: var(--kh-muted, #94a3b8);
    font-size: 0.9375rem;
  }
  li .actions {
    margin-top: 0.5rem;
  }
`;
