import { css } from 'lit';

/** The 5 words of a device approval, big enough to compare across two screens at arm's length. */
export const approvalPhraseStyles = css`
  .phrase {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 0.75rem;
    margin: 0.75rem 0;
    padding: 0;
    list-style: none;
    font-size: 1.5rem;
    font-weight: 600;
    letter-spacing: 0.02em;
  }
`;
