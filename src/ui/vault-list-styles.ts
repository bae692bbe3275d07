import { css } from 'lit';

/** The unlocked vault's list screen: its toolbar, the records as rows with badges, the conflict line. */
export const vaultListStyles = css`
  .top {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
  }
  .top h2 {
    margin: 0.75rem 0;
  }
  .top .actions {
    gap: 0.5rem;
  }
  .toolbar {
    display: flex;
    flex-direction: column;
    gap: 0.75rem;
    margin-bottom: 1rem;
  }
  .toolbar form {
    margin: 0;
  }
  .toolbar .actions button {
    flex: 1;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
  }
  .record {
    display: grid;
    grid-template-columns: 1fr auto;
    align-items: center;
    gap: 0.125rem 0.75rem;
    width: 100%;
    min-height: 3.5rem;
    padding: 0.625rem 1rem;
    border-color: transparent;
    background: var(--kh-surface-raised, #1e293b);
    font-weight: 400;
    text-align: left;
  }
  .record:hover {
    border-color: var(--kh-border);
  }
  .title {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .subtitle {
    grid-column: 1;
    color: var(--kh-muted, #94a3b8);
    font-size: 0.9375rem;
    overflow-wrap: anywhere;
  }
  .badges {
    grid-column: 2;
    grid-row: 1 / span 2;
    display: flex;
    flex-direction: column;
    align-items: flex-end;
    gap: 0.25rem;
  }
  .badge {
    padding: 0.125rem 0.5rem;
    border: 1px solid var(--kh-accent, #fbbf24);
    border-radius: 999px;
    color: var(--kh-accent, #fbbf24);
    font-size: 0.8125rem;
    white-space: nowrap;
  }
  .badge.conflict {
    border-color: var(--kh-error);
    color: var(--kh-error);
  }
  .conflicts {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem 0.75rem;
    margin-bottom: 0.75rem;
    border-left: 4px solid var(--kh-error);
  }
  .conflicts p {
    margin: 0;
  }
  kh-sync-status {
    margin-bottom: 1rem;
  }
  .empty {
    padding: 1.5rem 1rem;
    text-align: center;
  }
  @media (min-width: 40rem) {
    .toolbar {
      flex-direction: row;
      align-items: flex-end;
    }
    .toolbar .search {
      flex: 1;
    }
    .toolbar .actions button {
      flex: none;
    }
  }
`;
