import { css, html } from 'lit';
import { badgeStyles } from './row-styles';

/** "6 Dec 2026": when a device or passkey was added. */
export function formatDay(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** "6 Dec 2026, 06:45": when a device was last seen or a passkey last used. */
export function formatMoment(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * An entry's key fingerprint as the account log names it ("1a2b 3c4d 5e6f 7081"): the same on every
 * device of the account, so a person can compare what two phones show.
 */
export function renderFingerprint(fingerprint: string): unknown {
  return html`<p class="meta">Key fingerprint ${fingerprint ? html`<code class="fingerprint">${fingerprint}</code>` : 'unreadable'}</p>`;
}

/**
 * Splits a device or passkey list by what the account log proves: the account's own entries, and
 * the active ones the log never added ("Not added by you"). Before the account has a log this
 * device checked (`logged` false) no entry is in it, and every entry is shown as the account's.
 */
export function splitByLog<T extends { readonly inLog: boolean; readonly revokedAt?: number | null }>(
  items: readonly T[],
  logged: boolean,
): { own: T[]; unlisted: T[] } {
  const unlisted = (item: T) => logged && !item.inLog && (item.revokedAt ?? null) === null;
  return { own: items.filter((item) => !unlisted(item)), unlisted: items.filter(unlisted) };
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
  ${badgeStyles}
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
  .fingerprint {
    font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    font-size: 0.9375rem;
    color: var(--kh-text, #e2e8f0);
    white-space: nowrap;
  }
  .unlisted {
    margin-top: 1.25rem;
  }
  .confirm-log {
    margin: 0.75rem 0;
    padding-left: 0.75rem;
    border-left: 4px solid var(--kh-accent, #fbbf24);
  }
  .unlisted h4 {
    margin: 0 0 0.5rem;
    font-size: 1rem;
    color: var(--kh-error);
  }
`;
