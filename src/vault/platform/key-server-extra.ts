/**
 * The key server's endpoints that only a few of the SDK's lazily loaded flows call: the account's
 * export and erasure, the recovery kit, approving a new device, lock everywhere. Kept out of
 * KeyServer (key-server.ts) so that the app's first load does not carry them; each goes through
 * `KeyServer.request`. Bodies hold ciphertext, public keys, digests and proofs only.
 */
import type {
  ApprovalPolledT,
  DeviceApprovalRequestedT,
  DevicePublicKeyT,
  LockEverywhereRequestT,
  LockEverywhereResultT,
  PendingApprovalT,
  RecoveryKitPutRequestT,
  RecoveryKitPutT,
  RecoveryKitRecoveredT,
  SealedApprovalT,
} from '../../../protocol/api';
import { KeyServerError } from '../errors';
import type { KeyServer } from './key-server';

type Ok = { ok: true };

// ——— The account's export and erasure (account/delete-account.ts; both need a passkey session) ———

/** Everything the server holds about the user, as the JSON file it streams. */
export async function exportAccount(server: KeyServer, signal?: AbortSignal): Promise<Blob> {
  const response = await server.response('GET', '/account/export', undefined, signal);
  try {
    return await response.blob();
  } catch {
    if (signal?.aborted) throw signal.reason;
    throw new KeyServerError('network', 0, 'The export was cut off.', {});
  }
}

/** Erases the account: every row goes, a tombstone stays in the audit chain, the session cookie is cleared. */
export const deleteAccount = (server: KeyServer) => server.request<Ok>('DELETE', '/account');

// ——— The recovery kit (recovery/recovery-kit.ts): a wrap and a digest go up; recovery sends kitAuth ———

export const putRecoveryKit = (server: KeyServer, body: RecoveryKitPutRequestT) => server.request<RecoveryKitPutT>('PUT', '/recovery/kit', body);
export const removeRecoveryKit = (server: KeyServer) => server.request<Ok>('DELETE', '/recovery/kit');
export const recoverWithKit = (server: KeyServer, username: string, kitAuth: string, signal?: AbortSignal) =>
  server.request<RecoveryKitRecoveredT>('POST', '/recovery/kit/recover', { username, kitAuth }, signal);

// ——— Approving a new device from another (recovery/approval-recovery.ts, account/approval-flows.ts) ———

/** `deviceKey`: the signing key the new device will register, which the approver signs into the account log. */
export const requestDeviceApproval = (server: KeyServer, username: string, publicKey: string, deviceName: string, deviceKey: DevicePublicKeyT, signal?: AbortSignal) =>
  server.request<DeviceApprovalRequestedT>('POST', '/device-approvals', { username, publicKey, deviceName, deviceKey }, signal);
/** The polling secret travels in the body, never in a URL. */
export const pollDeviceApproval = (server: KeyServer, id: string, secret: string, signal?: AbortSignal) =>
  server.request<ApprovalPolledT>('POST', `/device-approvals/${encodeURIComponent(id)}/poll`, { secret }, signal);
export const pendingDeviceApprovals = (server: KeyServer) => server.request<{ requests: PendingApprovalT[] }>('GET', '/device-approvals/pending');
export const approveDevice = (server: KeyServer, id: string, sealed: SealedApprovalT) =>
  server.request<Ok>('POST', `/device-approvals/${encodeURIComponent(id)}/approve`, { sealed });
export const denyDevice = (server: KeyServer, id: string) => server.request<Ok>('POST', `/device-approvals/${encodeURIComponent(id)}/deny`, {});

// ——— Lock everywhere (account/lock-everywhere.ts; the body is ciphertext, a proof and a PIN registration) ———

export const lockEverywhere = (server: KeyServer, body: LockEverywhereRequestT, signal?: AbortSignal) =>
  server.request<LockEverywhereResultT>('POST', '/account/lock-everywhere', body, signal);
