import type {
  BackupSnapshotT,
  DevicePublicKeyT,
  DeviceSummaryT,
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
  RecoveryStatusT,
  SessionInfoT,
  AuditPageT,
  TotpEnrollFinishRequestT,
  TotpEnrollStartedT,
  TotpRecoveredT,
} from '../../../protocol/api';
import type { ErrorBody } from '../../../protocol/errors';
import { KeyServerError } from '../errors';
import { fetchServerHealth, type ServerHealth } from './server-health';

type Json = Record<string, unknown>;

/**
 * The key server's API as the app uses it. Cookies carry the session (HttpOnly, one per app);
 * the browser adds the Origin header by which the server knows the app. Bodies never include PRF
 * output or plaintext: callers pass ciphertext blobs and WebAuthn responses already stripped.
 */
export class KeyServer {
  /**
   * `base`: the key server's origin, prefix of `/api/...` ('' = this page's origin, as for
   * Keyhold itself; an app on another origin passes e.g. 'https://keys.example.com'). Every request
   * sends credentials ('include'), so the session cookie goes along to a key server on another
   * origin of the same site; the server answers such an origin only if it registered it (CORS).
   * `fetchImpl`: the global fetch unless given (tests route requests to an in-process server);
   * looked up per call, never captured early.
   */
  constructor(
    private readonly base = '',
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /**
   * One JSON request to `/api{path}`: the parsed answer of a 2xx, else a rejection with a
   * KeyServerError. For the SDK's own endpoint modules (key-server-extra.ts); apps call the vault.
   */
  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.response(method, path, body, signal);
    return (await response.json().catch(() => undefined)) as T;
  }

  /**
   * The raw answer to `/api{path}` on this key server, whatever its status, with credentials sent
   * and no HTTP cache; rejects as fetch does (no answer at all). For callers that read statuses
   * themselves (the health check); everything else uses `request`.
   */
  fetch(path: string, init: Omit<RequestInit, 'credentials' | 'cache'> = {}): Promise<Response> {
    return this.fetchImpl(`${this.base}/api${path}`, { ...init, credentials: 'include', cache: 'no-store' });
  }

  /** How the key server is doing (`GET /api/health`); never rejects but with `signal`'s reason. */
  health(signal?: AbortSignal): Promise<ServerHealth> {
    return fetchServerHealth(signal, this);
  }

  /** The answer of a request that succeeded (2xx); a failure rejects with a KeyServerError. */
  async response(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetch(path, {
        method,
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
    const retryAfter = retryAfterHeader(response);
    if (!error) throw new KeyServerError('bad_response', response.status, `The key server answered HTTP ${response.status}.`, retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter });
    const { code, message, ...details } = error;
    throw new KeyServerError(code, response.status, message, details.retryAfterSeconds === undefined && retryAfter !== undefined ? { ...details, retryAfterSeconds: retryAfter } : details);
  }

  registerOptions(username: string) {
    return this.request<Json>('POST', '/passkeys/register/options', { username });
  }
  registerVerify(response: unknown, passkeyName?: string) {
    return this.request<{ session: SessionInfoT; passkey: PasskeySummaryT }>('POST', '/passkeys/register/verify', { response, passkeyName });
  }
  signInOptions(username: string) {
    return this.request<Json>('POST', '/passkeys/signin/options', { username });
  }
  /** `deviceId`: this device, once it has joined the account; the session is then bound to it (ends when it is removed). */
  signInVerify(response: unknown, deviceId?: string) {
    return this.request<{ session: SessionInfoT; passkey: PasskeySummaryT }>('POST', '/passkeys/signin/verify', { response, ...(deviceId ? { deviceId } : {}) });
  }
  session() {
    return this.request<SessionInfoT>('GET', '/session');
  }
  signOut() {
    return this.request<{ ok: true }>('POST', '/session/signout', {});
  }
  registerDevice(name: string, publicKey: DevicePublicKeyT) {
    return this.request<DeviceSummaryT>('POST', '/devices', { name, publicKey });
  }
  deviceChallenge(deviceId: string) {
    return this.request<{ challenge: string; expiresAt: number }>('POST', '/devices/challenge', { deviceId });
  }
  deviceSignIn(deviceId: string, challenge: string, signature: string) {
    return this.request<{ session: SessionInfoT }>('POST', '/devices/signin', { deviceId, challenge, signature });
  }
  // ——— Managing devices and passkeys (src/vault/account/vault-devices.ts, vault-passkeys.ts) ———
  devices(signal?: AbortSignal) {
    return this.request<{ devices: DeviceSummaryT[] }>('GET', '/devices', undefined, signal);
  }
  renameDevice(id: string, name: string) {
    return this.request<DeviceSummaryT>('PATCH', `/devices/${encodeURIComponent(id)}`, { name });
  }
  /** Needs a passkey sign-in of the last FRESH_PASSKEY_SECONDS (`reauth_required` otherwise). */
  removeDevice(id: string) {
    return this.request<{ ok: true }>('DELETE', `/devices/${encodeURIComponent(id)}`);
  }
  passkeys(signal?: AbortSignal) {
    return this.request<{ passkeys: PasskeySummaryT[] }>('GET', '/passkeys', undefined, signal);
  }
  addPasskeyOptions() {
    return this.request<Json>('POST', '/passkeys/add/options', {});
  }
  addPasskeyVerify(response: unknown, passkeyName?: string) {
    return this.request<{ passkey: PasskeySummaryT }>('POST', '/passkeys/add/verify', { response, ...(passkeyName ? { passkeyName } : {}) });
  }
  renamePasskey(id: string, name: string) {
    return this.request<{ passkey: PasskeySummaryT }>('PATCH', `/passkeys/${encodeURIComponent(id)}`, { name });
  }
  /** Needs a passkey sign-in of the last FRESH_PASSKEY_SECONDS; `last_passkey` for the only one. */
  removePasskey(id: string) {
    return this.request<{ ok: true }>('DELETE', `/passkeys/${encodeURIComponent(id)}`);
  }
  backup() {
    return this.request<BackupSnapshotT>('GET', '/backup');
  }
  putKeyBundle(blob: string, expectedVersion: number) {
    return this.request<{ version: number }>('PUT', '/backup/key-bundle', { blob, expectedVersion });
  }
  putWrapPrf(credentialId: string, blob: string, expectedVersion: number) {
    return this.request<{ version: number }>('PUT', `/backup/wrap-prf/${encodeURIComponent(credentialId)}`, { blob, expectedVersion });
  }
  audit(before?: number) {
    return this.request<AuditPageT>('GET', `/audit${before ? `?before=${before}` : ''}`);
  }

  recoveryStatus() {
    return this.request<RecoveryStatusT>('GET', '/recovery/status');
  }
  pinRegisterStart(blindedElement: string) {
    return this.request<PinRegisterStartedT>('POST', '/recovery/pin/register/start', { blindedElement });
  }
  pinRegisterFinish(body: PinRegisterFinishRequestT) {
    return this.request<PinRegisteredT>('POST', '/recovery/pin/register/finish', body);
  }
  pinRecoveryParams(username: string) {
    return this.request<PinRecoveryParamsT>('POST', '/recovery/pin/params', { username });
  }
  pinRecoveryStart(username: string, blindedElement: string) {
    return this.request<PinRecoveryStartedT>('POST', '/recovery/pin/start', { username, blindedElement });
  }
  pinRecoveryFinish(attemptId: string, tag: string) {
    return this.request<PinRecoveredT>('POST', '/recovery/pin/finish', { attemptId, tag });
  }
  removePinRecovery() {
    return this.request<{ ok: true }>('DELETE', '/recovery/pin');
  }
  totpEnrollStart() {
    return this.request<TotpEnrollStartedT>('POST', '/recovery/totp/enroll/start', {});
  }
  totpEnrollFinish(body: TotpEnrollFinishRequestT) {
    return this.request<{ enrolledAt: number }>('POST', '/recovery/totp/enroll/finish', body);
  }
  totpRecover(username: string, code: string) {
    return this.request<TotpRecoveredT>('POST', '/recovery/totp/recover', { username, code });
  }
  removeTotpRecovery() {
    return this.request<{ ok: true }>('DELETE', '/recovery/totp');
  }
  // ——— Encrypted records (the sync engine, src/vault/sync/; bodies are ciphertext only) ———
  /** Compare-and-set write; a stale one rejects with `stale_version` and `details.current`. */
  putRecord(id: string, body: RecordWriteRequestT, signal?: AbortSignal) {
    return this.request<RecordWrittenT>('PUT', `/records/${encodeURIComponent(id)}`, body, signal);
  }
  recordChanges(after: number, limit?: number, signal?: AbortSignal) {
    return this.request<RecordChangesT>('GET', `/records/changes?after=${after}${limit ? `&limit=${limit}` : ''}`, undefined, signal);
  }
}

/** `Retry-After` in seconds (RFC 9110 §10.2.3: delay-seconds; an HTTP date is not used by the key server and is ignored). */
function retryAfterHeader(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
