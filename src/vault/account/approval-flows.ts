/**
 * The calls of `vault.approvals` (vault-approvals.ts), loaded as a chunk of their own with the
 * word list of the phrase: a vault with no device waiting to join loads it once a minute at most.
 */
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import type { PendingApprovalT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { sealRootSecretForDevice } from '../crypto/device-approval';
import { approvalPhrase } from '../recovery/approval-phrase';
import { useRootSecret } from '../recovery/root-secret-source';
import { withSession } from './recovery-settings';
import { recoverySettingsContext } from './settings-context';
import type { ListedRequest } from './vault-approvals';
import { approveDevice, denyDevice, pendingDeviceApprovals } from '../platform/key-server-extra';

/** The device key a request names, as the log names device keys; null for a request without one (or an unreadable one). */
function logKeyOf(deviceKey: PendingApprovalT['deviceKey']): string | null {
  try {
    return deviceKey ? deviceKeyToLogKey(deviceKey) : null;
  } catch {
    return null;
  }
}

/** The account's waiting requests with their phrases (over both keys of each). Throws `locked`, `offline`, `server_error`. */
export async function listRequests(core: VaultCore): Promise<ListedRequest[]> {
  const { requests } = await withSession(recoverySettingsContext(core), () => pendingDeviceApprovals(core.deps.server));
  return Promise.all(
    requests.map(async (r) => {
      const deviceKey = logKeyOf(r.deviceKey);
      const phrase = Object.freeze(await approvalPhrase(r.publicKey, deviceKey ?? undefined));
      const app = Object.freeze({ id: r.app.id, name: r.app.name });
      return { id: r.id, publicKey: r.publicKey, deviceKey, deviceName: r.deviceName, phrase, app, createdAt: r.createdAt, expiresAt: r.expiresAt };
    }),
  );
}

/**
 * Signs the new device's key into the account log (the key whose phrase was shown with A) for the
 * app the request came from — the key server refuses any other (`app_mismatch`), so a Field notes
 * device approved from Keyhold registers from Field notes —, then seals S to the request's public
 * key (the one its phrase came from) and sends it. Never log S.
 */
export async function approveRequest(core: VaultCore, request: ListedRequest): Promise<void> {
  const session = core.requireSession();
  const { userId } = core.requireVault();
  if (request.deviceKey) await core.accountLog.append([{ op: 'device.add', key: request.deviceKey, app: request.app.id }]);
  const sealed = await useRootSecret(session.unlocked.rootSecretAccess, (rootSecret) => sealRootSecretForDevice(rootSecret, request.publicKey, { userId, requestId: request.id }));
  core.stillOpen(session, undefined);
  await withSession(recoverySettingsContext(core), () => approveDevice(core.deps.server, request.id, { publicKey: sealed.publicKey, ciphertext: sealed.ciphertext }));
}

/** Refuses a request. Throws `locked`, `not_found`, `approval_expired`, `offline`. */
export async function denyRequest(core: VaultCore, id: string): Promise<void> {
  await withSession(recoverySettingsContext(core), () => denyDevice(core.deps.server, id));
}
