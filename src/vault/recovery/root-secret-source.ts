import { withRootSecret, type RootSecret, type RootSecretAccess } from '../crypto';

/**
 * Runs `use` with S, from an unlocked vault's access (unwrapped for the call, then wiped) or, just
 * after a recovery, from S itself (left to its owner to wipe). Never log S.
 */
export function useRootSecret<T>(source: RootSecretAccess | RootSecret, use: (rootSecret: RootSecret) => Promise<T>): Promise<T> {
  return source instanceof Uint8Array ? use(source) : withRootSecret(source, use);
}
