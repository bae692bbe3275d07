/**
 * The code an opened vault runs at once, each a chunk of its own that the first screen does not
 * load: `Vault.prepareUnlock` starts loading it while the PIN is typed, so the unlock itself waits
 * only for Argon2id. Every loader here is the one the vault's own code awaits (same module, so the
 * browser fetches and evaluates each once).
 */

/** The decrypted records' session object (core.ts `open`). */
export const loadUnlockedRecords = () => import('../records/unlocked-records');

/** Starts loading every chunk that opening the vault needs; failures surface where each is awaited. */
export function preloadOpenVaultCode(): void {
  for (const load of [loadUnlockedRecords]) load().catch(() => {});
}
