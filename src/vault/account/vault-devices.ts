/**
 * `vault.devices`: every device of the account, while the vault is unlocked and online. The work
 * is in manage-devices.ts, a chunk loaded at the first call.
 */
import type { VaultCore } from '../core';
import { VaultError } from '../errors';
import type { DeviceInfo } from './manage-devices';

const loadDevices = () => import('./manage-devices');

export class VaultDevices {
  readonly #core: VaultCore;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /**
   * Every device of the account, removed ones included (`revokedAt`), oldest first; `current`
   * marks this one. Opens a device session if there is none. Throws `locked`, `offline`,
   * `server_error`.
   */
  async list(signal?: AbortSignal): Promise<DeviceInfo[]> {
    const { listDevices } = await loadDevices();
    return listDevices(this.#core, signal);
  }

  /** Gives a device a new name (trimmed). Throws `name_invalid`, `not_found`, `locked`, `offline`. */
  async rename(id: string, name: string): Promise<void> {
    const { renameDevice } = await loadDevices();
    await renameDevice(this.#core, id, name);
  }

  /**
   * Removes another device: it can no longer sign in, its sessions end, its next sync is refused
   * (`device_revoked`) and its local vault still opens with its PIN. Asks for a passkey first
   * unless a passkey sign-in of the last five minutes is still open. This device cannot remove
   * itself (`current_device`). While the vault was opened or confirmed too long ago
   * (`vault.reprompt.needed()`) it throws `reprompt_required` before anything else: confirm with
   * `vault.reprompt`, then call again. Throws `current_device`, `reprompt_required`, `not_found`,
   * `passkey_cancelled`, `passkey_failed`, `reauth_required`, `locked`, `offline`.
   */
  async remove(id: string, signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    if (id === core.requireVault().deviceId) throw new VaultError('current_device');
    core.requireRecentConfirmation();
    const { removeDevice } = await loadDevices();
    await removeDevice(this.#core, id, signal);
  }
}
