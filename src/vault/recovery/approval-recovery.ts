/**
 * The new device's side of an approval from another device (docs/architecture.md "Approval from
 * another device"): make this device's signing key, ask to join with it and a fresh ephemeral public
 * key, show the phrase of both, poll until a device of the account answers (signing that same
 * signing key into the account log), open S from the answer, then join like every recovery route,
 * registering that key.
 */
import { deviceKeyToLogKey } from '../../../protocol/account-log';
import { DEVICE_APPROVAL_POLL_MS, DEVICE_APPROVAL_TTL_MS } from '../../../protocol/constants';
import { createDeviceSigningKey, exportDevicePublicJwk } from '../crypto';
import { createApprovalKeyPair, openApprovalAnswer } from '../crypto/device-approval';
import { VaultError, failureFromServer, rethrowIfAborted } from '../errors';
import type { KeyServer } from '../platform/key-server';
import { approvalPhrase } from './approval-phrase';
import type { RecoveredAccount } from './device-recovery';
import { pollDeviceApproval, requestDeviceApproval } from '../platform/key-server-extra';

export interface ApprovalWait {
  readonly server: KeyServer;
  readonly username: string;
  readonly deviceName: string;
  now(): number;
  /** Resolves after `ms` (rejects with the abort reason when `signal` aborts first). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  readonly onPhrase?: (phrase: string[]) => void;
  readonly signal?: AbortSignal;
}

/**
 * Asks to join, reports the phrase, and waits (polling every DEVICE_APPROVAL_POLL_MS) for the
 * answer. Returns the recovered account (S raw: the caller wipes it); a recovery session is open.
 * Throws `approval_denied`, `approval_expired` (the server's or this device's clock ran out),
 * `approval_limited`, `offline`, `decrypt_failed` (the answer was sealed to another key: the
 * server swapped ours, and the phrases differed). Never log S or the polling secret.
 */
export async function recoverAccountWithApproval(wait: ApprovalWait): Promise<RecoveredAccount> {
  const { server, signal } = wait;
  const keys = await createApprovalKeyPair();
  // Made before asking: the phrase covers it, and the approver signs exactly this key into the log.
  const deviceKey = await createDeviceSigningKey();
  const deviceJwk = await exportDevicePublicJwk(deviceKey.publicKey);
  const deadline = wait.now() + DEVICE_APPROVAL_TTL_MS;
  let asked;
  try {
    asked = await requestDeviceApproval(server, wait.username, keys.publicKey, wait.deviceName, deviceJwk, signal);
  } catch (error) {
    throw failureFromServer(error, signal, { rate_limited: 'approval_limited' });
  }
  wait.onPhrase?.(await approvalPhrase(keys.publicKey, deviceKeyToLogKey(deviceJwk)));
  for (;;) {
    let polled;
    try {
      polled = await pollDeviceApproval(server, asked.id, asked.secret, signal);
    } catch (error) {
      rethrowIfAborted(error, signal);
      const failure = failureFromServer(error, signal);
      // A poll that did not get through is retried until the deadline: the phone may be between networks.
      if (!(failure instanceof VaultError && failure.code === 'offline')) throw failure;
      polled = undefined;
    }
    if (polled?.state === 'denied') throw new VaultError('approval_denied');
    if (polled?.state === 'collected') throw new VaultError('approval_expired', 'The answer was already collected.');
    if (polled?.state === 'approved' && polled.sealed && polled.session) {
      const { userId, username } = polled.session;
      const rootSecret = await openApprovalAnswer(keys.privateKey, polled.sealed, { userId, requestId: asked.id });
      return { username, userId, rootSecret, keyBundle: polled.keyBundle ?? null, deviceKey };
    }
    if (wait.now() >= deadline) throw new VaultError('approval_expired');
    await wait.sleep(DEVICE_APPROVAL_POLL_MS, signal);
  }
}
