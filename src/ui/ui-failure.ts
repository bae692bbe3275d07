/**
 * A failure as the screens hold it, apart from its wording (failure-messages.ts): the lock screen
 * and the task controller need only this on the first load, and the wording of every code loads
 * with the screen that shows it.
 */
import { VaultError, type VaultErrorCode } from '../vault';

/** A failure as the screens see it: the SDK's code, or `unexpected` for anything else. */
export interface UiFailure {
  readonly code: VaultErrorCode | 'unexpected';
  /** Epoch ms before which a PIN attempt is refused (`throttled`, sometimes `wrong_pin`). */
  readonly retryAt?: number;
  /** PIN recovery guesses left (`recovery_pin_wrong`). */
  readonly guessesLeft?: number;
  /** The first recovery-kit word not in the word list, 1-based (`kit_unreadable`); never the word. */
  readonly wordPosition?: number;
  /** What is wrong with a file to import, in the SDK's words (FILE_PROBLEM_CODES). */
  readonly fileProblem?: string;
}

/**
 * The one exception to "never show an exception's message": the import's refusals say what is
 * wrong with the user's own file (which columns it expects, which row's quotes do not pair up),
 * written for people and never quoting the file (src/vault/transfer/import-formats.ts).
 */
const FILE_PROBLEM_CODES: ReadonlySet<UiFailure['code']> = new Set(['import_unreadable', 'import_unsupported', 'import_too_large']);

/** Reads a thrown error: a `VaultError` keeps its code, anything else is `unexpected`. */
export function toUiFailure(error: unknown): UiFailure {
  if (!(error instanceof VaultError)) return { code: 'unexpected' };
  return {
    code: error.code,
    ...(error.retryAt === undefined ? {} : { retryAt: error.retryAt }),
    ...(error.guessesLeft === undefined ? {} : { guessesLeft: error.guessesLeft }),
    ...(error.wordPosition === undefined ? {} : { wordPosition: error.wordPosition }),
    ...(FILE_PROBLEM_CODES.has(error.code) && !error.message.startsWith('Vault error:') ? { fileProblem: error.message } : {}),
  };
}

/** True for the platform's AbortError, which a cancelled call rejects with. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof DOMException && error.name === 'AbortError');
}
