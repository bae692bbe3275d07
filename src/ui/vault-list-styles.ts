import { css } from 'lit';
import { badgeStyles, rowButtonBox } from './row-styles';

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
    ${rowButtonBox}
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
  ${badgeStyles}
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
