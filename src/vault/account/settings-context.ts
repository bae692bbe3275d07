import type { VaultCore } from '../core';
import { prfPasskeys } from '../unlock/prf-unlock';
import type { RecoverySettingsContext } from './recovery-settings';

/** What the recovery-settings calls need from an unlocked vault. Throws `locked`. */
export function recoverySettingsContext(core: VaultCore): RecoverySettingsContext {
  const session = core.requireSession();
  const vault = core.requireVault();
  return {
    server: core.deps.server,
    passkeys: core.deps.passkeys,
    unlocked: session.unlocked,
    username: vault.username,
    deviceId: vault.deviceId,
    origin: core.env.origin,
    passkeyOnThisDevice: vault.passkeys.length > 0,
    prfOnThisDevice: prfPasskeys(vault).length > 0,
  };
}
