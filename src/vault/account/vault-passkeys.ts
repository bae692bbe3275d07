/**
 * `vault.passkeys`: the account's passkeys, while the vault is unlocked and online. The work is in
 * manage-passkeys.ts, a chunk loaded at the first call.
 */
import type { VaultCore } from '../core';
import type { PasskeyInfo } from './manage-passkeys';

const loadPasskeys = () => import('./manage-passkeys');

export class VaultPasskeys {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /**
   * Every passkey of the account, oldest first; `canUnlock` says which can open the vault. A
   * passkey removed elsewhere stops unlocking this device too. Throws `locked`, `offline`,
   * `server_error`.
   */
  async list(signal?: AbortSignal): Promise<PasskeyInfo[]> {
    const { listPasskeys } = await loadPasskeys();
    return listPasskeys(this.#core, signal);
  }

  /**
   * Registers another passkey (a security key, another phone's or computer's) under `name`. Asks
   * for an existing passkey first when this device's session may not add one. With PRF it gets its
   * own wrap of the vault's secret and unlocks this device offline: `canUnlock` says whether that
   * worked (when not, `enableUnlock` can try again). Throws `name_invalid`, `passkey_cancelled`,
   * `passkey_failed`, `locked`, `offline`.
   */
  async add(name: string, signal?: AbortSignal): Promise<PasskeyInfo> {
    const { addPasskey } = await loadPasskeys();
    return addPasskey(this.#core, name, signal);
  }

  /**
   * Lets a passkey that cannot open the vault do so: one passkey prompt for that passkey (it signs
   * in and evaluates its PRF), then a new wrap of the vault's secret for it, here and on the server.
   * Throws `prf_unavailable` (the passkey gives no PRF), `not_found`, `passkey_cancelled`,
   * `passkey_failed`, `locked`, `offline`.
   */
  async enableUnlock(id: string, signal?: AbortSignal): Promise<PasskeyInfo> {
    const { enableUnlock } = await loadPasskeys();
    return enableUnlock(this.#core, id, signal);
  }

  /** Gives a passkey a new name (trimmed). Throws `name_invalid`, `not_found`, `locked`, `offline`. */
  async rename(id: string, name: string): Promise<void> {
    const { renamePasskey } = await loadPasskeys();
    await renamePasskey(this.#core, id, name);
  }

  /**
   * Removes a passkey: it no longer signs in, recovers or unlocks. Never the only one
   * (`last_passkey`). Asks for a passkey first unless a passkey sign-in of the last five minutes is
   * still open. Throws `last_passkey`, `not_found`, `passkey_cancelled`, `passkey_failed`,
   * `reauth_required`, `locked`, `offline`.
   */
  async remove(id: string, signal?: AbortSignal): Promise<void> {
    const { removePasskey } = await loadPasskeys();
    await removePasskey(this.#core, id, signal);
  }
}
