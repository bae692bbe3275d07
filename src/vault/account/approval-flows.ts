/**
 * The calls of `vault.approvals` (vault-approvals.ts), loaded as a chunk of their own with the
 * word list of the phrase: a vault with no device waiting to join loads it once a minute at most.
 */
import type { VaultCore } from '../core';
import { sealRootSecretForDevice } from '../crypto/device-approval';
import { approvalPhrase } from '../recovery/approval-phrase';
import { useRootSecret } from '../recovery/root-secret-source';
import { withSession } from './recovery-settings';
import { recoverySettingsContext } from './settings-context';
import type { ListedRequest } from './vault-approvals';
import { approveDevice, denyDevice, pendingDeviceApprovals } from '../platform/key-server-extra';

/** The account's waiting requests with their phrases. Throws `locked`, `offline`, `server_error`. */
export async function listRequests(core: VaultCore): Promise<ListedRequest[]> {
  const { requests } = await withSession(recoverySettingsContext(core), () => pendingDeviceApprovals(core.deps.server));
  return Promise.all(
    requests.map(async (r) => ({ id: r.id, publicKey: r.publicKey, deviceName: r.deviceName, phrase: Object.freeze(await approvalPhrase(r.publicKey)), createdAt: r.createdAt, expiresAt: r.expiresAt })),
  );
}

/**
 * Seals S to the request's public key (the one its phrase came from) and sends it. This is where,
 * with the signed account log (issue 14 items 1–3), the approving device will also sign the new
 * device's entry. Never log S.
 */
export async function approveRequest(core: VaultCore, request: ListedRequest): Promise<void> {
  const session = core.requireSession();
  const { userId } = core.requireVault();
  const sealed = await useRootSecret(session.unlocked.rootSecretAccess, (rootSecret) => sealRootSecretForDevice(rootSecret, request.publicKey, { userId, requestId: request.id }));
  core.stillOpen(session, undefined);
  await withSession(recoverySettingsContext(core), () => approveDevice(core.deps.server, request.id, { publicKey: sealed.publicKey, ciphertext: sealed.ciphertext }));
}

/** Refuses a request. Throws `locked`, `not_found`, `approval_expired`, `offline`. */
export async function denyRequest(core: VaultCore, id: string): Promise<void> {
  await withSession(recoverySettingsContext(core), () => denyDevice(core.deps.server, id));
}
