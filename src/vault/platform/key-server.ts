import type {
  ApprovalPolledT,
  BackupSnapshotT,
  DeviceApprovalRequestedT,
  PendingApprovalT,
  SealedApprovalT,
  DevicePublicKeyT,
  DeviceSummaryT,
  LockEverywhereRequestT,
  LockEverywhereResultT,
  PasskeySummaryT,
  PinRecoveredT,
  RecordChangesT,
  RecordWriteRequestT,
  RecordWrittenT,
  PinRecoveryParamsT,
  PinRecoveryStartedT,
  PinRegisteredT,
  PinRegisterFinishRequestT,
  PinRegisterStartedT,
  RecoveryKitPutRequestT,
  RecoveryKitPutT,
  RecoveryKitRecoveredT,
  RecoveryStatusT,
  SessionInfoT,
  AuditPageT,
  TotpEnrollStartedT,
  TotpRecoveredT,
} from '../../../protocol/api';
import type { ErrorBody } from '../../../protocol/errors';
import { KeyServerError } from '../errors';

type Json = Record<string, unknown>;

/**
 * The key server's API as the app uses it. Cookies carry the session (same origin, HttpOnly);
 * the browser adds the Origin header the server checks. Bodies never include PRF output or
 * plaintext: callers pass ciphertext blobs and WebAuthn responses already stripped.
 */
export class KeyServer {
  /**
   * `base`: prefix of `/api/...` ('' = this origin). `fetchImpl`: the global fetch unless given
   * (tests route requests to an in-process server); looked up per call, never captured early.
   */
  constructor(
    private readonly base = '',
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.send(method, path, body, signal);
    return (await response.json().catch(() => undefined)) as T;
  }

  /** The answer of a request that succeeded (2xx); a failure rejects with a KeyServerError. */
  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}/api${path}`, {
        method,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch {
      if (signal?.aborted) throw signal.reason;
      throw new KeyServerError('network', 0, 'The key server cannot be reached.', {});
    }
    if (response.ok) return response;
    const parsed = (await response.json().catch(() => undefined)) as unknown;
    const error = (parsed as Partial<ErrorBody> | undefined)?.error;
    if (!error) throw new KeyServerError('bad_response', response.status, `The key server answered HTTP ${response.status}.`);
    const { code, message, ...details } = error;
    throw new KeyServerError(code, response.status, message, details);
  }

  registerOptions(username: string) {
    return this.call<Json>('POST', '/passkeys/register/options', { username });
  }
  registerVerify(response: unknown, passkeyName?: string) {
    return this.call<{ session: SessionInfoT; passkey: PasskeySummaryT }>('POST', '/passkeys/register/verify', { response, passkeyName });
  }
  signInOptions(username: string) {
    return this.call<Json>('POST', '/passkeys/signin/options', { username });
  }
  /** `deviceId`: this device, once it has joined the account; the session is then bound to it (ends when it is removed). */
  signInVerify(response: unknown, deviceId?: string) {
    return this.call<{ session: SessionInfoT; passkey: PasskeySummaryT }>('POST', '/passkeys/signin/verify', { response, ...(deviceId ? { deviceId } : {}) });
  }
  session() {
    return this.call<SessionInfoT>('GET', '/session');
  }
  signOut() {
    return this.call<{ ok: true }>('POST', '/session/signout', {});
  }
  registerDevice(name: string, publicKey: DevicePublicKeyT) {
    return this.call<DeviceSummaryT>('POST', '/devices', { name, publicKey });
  }
  deviceChallenge(deviceId: string) {
    return this.call<{ challenge: string; expiresAt: number }>('POST', '/devices/challenge', { deviceId });
  }
  deviceSignIn(deviceId: string, challenge: string, signature: string) {
    return this.call<{ session: SessionInfoT }>('POST', '/devices/signin', { deviceId, challenge, signature });
  }
  // ——— Managing devices and passkeys (src/vault/account/vault-devices.ts, vault-passkeys.ts) ———
  devices(signal?: AbortSignal) {
    return this.call<{ devices: DeviceSummaryT[] }>('GET', '/devices', undefined, signal);
  }
  renameDevice(id: string, name: string) {
    return this.call<DeviceSummaryT>('PATCH', `/devices/${encodeURIComponent(id)}`, { name });
  }
  /** Needs a passkey sign-in of the last FRESH_PASSKEY_SECONDS (`reauth_required` otherwise). */
  removeDevice(id: string) {
    return this.call<{ ok: true }>('DELETE', `/devices/${encodeURIComponent(id)}`);
  }
  passkeys(signal?: AbortSignal) {
    return this.call<{ passkeys: PasskeySummaryT[] }>('GET', '/passkeys', undefined, signal);
  }
  addPasskeyOptions() {
    return this.call<Json>('POST', '/passkeys/add/options', {});
  }
  addPasskeyVerify(response: unknown, passkeyName?: string) {
    return this.call<{ passkey: PasskeySummaryT }>('POST', '/passkeys/add/verify', { response, ...(passkeyName ? { passkeyName } : {}) });
  }
  renamePasskey(id: string, name: string) {
    return this.call<{ passkey: PasskeySummaryT }>('PATCH', `/passkeys/${encodeURIComponent(id)}`, { name });
  }
  /** Needs a passkey sign-in of the last FRESH_PASSKEY_SECONDS; `last_passkey` for the only one. */
  removePasskey(id: string) {
    return this.call<{ ok: true }>('DELETE', `/passkeys/${encodeURIComponent(id)}`);
  }
  backup() {
    return this.call<BackupSnapshotT>('GET', '/backup');
  }
  putKeyBundle(blob: string, expectedVersion: number) {
    return this.call<{ version: number }>('PUT', '/backup/key-bundle', { blob, expectedVersion });
  }
  putWrapPrf(credentialId: string, blob: string, expectedVersion: number) {
    return this.call<{ version: number }>('PUT', `/backup/wrap-prf/${encodeURIComponent(credentialId)}`, { blob, expectedVersion });
  }
  audit(before?: number) {
    return this.call<AuditPageT>('GET', `/audit${before ? `?before=${before}` : ''}`);
  }

  // ——— The account's export and erasure (src/vault/account/delete-account.ts; both need a passkey session) ———
  /** Everything the server holds about the user, as the JSON file it streams. */
  async exportAccount(signal?: AbortSignal): Promise<Blob> {
    const response = await this.send('GET', '/account/export', undefined, signal);
    try {
      return await response.blob();
    } catch {
      if (signal?.aborted) throw signal.reason;
      throw new KeyServerError('network', 0, 'The export was cut off.', {});
    }
  }
  /** Erases the account: every row goes, a tombstone stays in the audit chain, the session cookie is cleared. */
  deleteAccount() {
    return this.call<{ ok: true }>('DELETE', '/account');
  }

  // ——— Recovery routes (src/vault/recovery wraps these; bodies hold blinded elements, tags and ciphertext only) ———
  recoveryStatus() {
    return this.call<RecoveryStatusT>('GET', '/recovery/status');
  }
  pinRegisterStart(blindedElement: string) {
    return this.call<PinRegisterStartedT>('POST', '/recovery/pin/register/start', { blindedElement });
  }
  pinRegisterFinish(body: PinRegisterFinishRequestT) {
    return this.call<PinRegisteredT>('POST', '/recovery/pin/register/finish', body);
  }
  pinRecoveryParams(username: string) {
    return this.call<PinRecoveryParamsT>('POST', '/recovery/pin/params', { username });
  }
  pinRecoveryStart(username: string, blindedElement: string) {
    return this.call<PinRecoveryStartedT>('POST', '/recovery/pin/start', { username, blindedElement });
  }
  pinRecoveryFinish(attemptId: string, tag: string) {
    return this.call<PinRecoveredT>('POST', '/recovery/pin/finish', { attemptId, tag });
  }
  removePinRecovery() {
    return this.call<{ ok: true }>('DELETE', '/recovery/pin');
  }
  totpEnrollStart() {
    return this.call<TotpEnrollStartedT>('POST', '/recovery/totp/enroll/start', {});
  }
  totpEnrollFinish(body: { enrollmentId: string; code: string; escrowedWrap: string; r: string }) {
    return this.call<{ enrolledAt: number }>('POST', '/recovery/totp/enroll/finish', body);
  }
  totpRecover(username: string, code: string) {
    return this.call<TotpRecoveredT>('POST', '/recovery/totp/recover', { username, code });
  }
  removeTotpRecovery() {
    return this.call<{ ok: true }>('DELETE', '/recovery/totp');
  }
  /** The recovery kit (src/vault/recovery/recovery-kit.ts): the body is a wrap and a digest; recovery sends kitAuth. */
  putRecoveryKit(body: RecoveryKitPutRequestT) {
    return this.call<RecoveryKitPutT>('PUT', '/recovery/kit', body);
  }
  removeRecoveryKit() {
    return this.call<{ ok: true }>('DELETE', '/recovery/kit');
  }
  recoverWithKit(username: string, kitAuth: string, signal?: AbortSignal) {
    return this.call<RecoveryKitRecoveredT>('POST', '/recovery/kit/recover', { username, kitAuth }, signal);
  }

  // ——— Approving a new device from another (src/vault/recovery/device-approval-flow.ts, src/vault/account/vault-approvals.ts; bodies hold public keys and ciphertext only) ———
  requestDeviceApproval(username: string, publicKey: string, deviceName: string, signal?: AbortSignal) {
    return this.call<DeviceApprovalRequestedT>('POST', '/device-approvals', { username, publicKey, deviceName }, signal);
  }
  /** The polling secret travels in the body, never in a URL. */
  pollDeviceApproval(id: string, secret: string, signal?: AbortSignal) {
    return this.call<ApprovalPolledT>('POST', `/device-approvals/${encodeURIComponent(id)}/poll`, { secret }, signal);
  }
  pendingDeviceApprovals() {
    return this.call<{ requests: PendingApprovalT[] }>('GET', '/device-approvals/pending');
  }
  approveDevice(id: string, sealed: SealedApprovalT) {
    return this.call<{ ok: true }>('POST', `/device-approvals/${encodeURIComponent(id)}/approve`, { sealed });
  }
  denyDevice(id: string) {
    return this.call<{ ok: true }>('POST', `/device-approvals/${encodeURIComponent(id)}/deny`, {});
  }

  // ——— Lock everywhere (src/vault/account/lock-everywhere.ts; the body is ciphertext, a proof and a PIN registration) ———
  lockEverywhere(body: LockEverywhereRequestT, signal?: AbortSignal) {
    return this.call<LockEverywhereResultT>('POST', '/account/lock-everywhere', body, signal);
  }

  // ——— Encrypted records (the sync engine, src/vault/sync/; bodies are ciphertext only) ———
  /** Compare-and-set write; a stale one rejects with `stale_version` and `details.current`. */
  putRecord(id: string, body: RecordWriteRequestT, signal?: AbortSignal) {
    return this.call<RecordWrittenT>('PUT', `/records/${encodeURIComponent(id)}`, body, signal);
  }
  recordChanges(after: number, limit?: number, signal?: AbortSignal) {
    return this.call<RecordChangesT>('GET', `/records/changes?after=${after}${limit ? `&limit=${limit}` : ''}`, undefined, signal);
  }
}
