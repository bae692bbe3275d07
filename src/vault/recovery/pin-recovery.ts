/**
 * PIN recovery for the vault SDK (docs/architecture.md "Recovery routes"; protocol in
 * server/domain/pin-recovery.ts). Registration runs while unlocked, after onboarding and after
 * every PIN change; recovery runs on a device that has nothing but the username and the PIN.
 * The server never receives the PIN, the Argon2id output, the OPRF output or the KEK: only a
 * blinded element, a tag and wrap_pinRecovery(S).
 */
import type { PinRegisteredT, PinRegisterFinishRequestT, SessionInfoT } from '../../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { ARGON2_SALT_BYTES } from '../../../protocol/constants';
import { checkPin } from '../crypto/pin/pin-policy';
import {
  DEFAULT_ARGON2_PARAMS,
  VaultCryptoError,
  parseArgon2Params,
  parseGcmBlob,
  pinRecoveryWrapContext,
  unwrapRootSecret,
  wrapRootSecret,
  type Argon2Params,
  type DeriveArgon2,
  type RootSecret,
  type RootSecretAccess,
  type WrappedKey,
} from '../crypto';
import type { KeyServer } from '../platform/key-server';
import { blindInput, finalizeOutput, pinRecoveryInput, pinRecoveryKeys } from './oprf-client';
import { useRootSecret } from './root-secret-source';

/** The key server calls PIN recovery makes (KeyServer has them; tests may pass a stand-in). */
export type PinRecoveryServer = Pick<KeyServer, 'pinRegisterStart' | 'pinRegisterFinish' | 'pinRecoveryParams' | 'pinRecoveryStart' | 'pinRecoveryFinish'>;

export interface RegisterPinRecoveryOptions {
  readonly server: PinRecoveryServer;
  readonly userId: string;
  /** The vault's (new) PIN; the PIN policy applies. */
  readonly pin: string;
  readonly argon2: DeriveArgon2;
  /** S: how to reach it while unlocked (UnlockedVault.rootSecretAccess), or S itself just after a recovery. */
  readonly rootSecret: RootSecretAccess | RootSecret;
  /** Defaults to DEFAULT_ARGON2_PARAMS; weaker is refused with `kdf_too_weak`. */
  readonly params?: Argon2Params;
  readonly signal?: AbortSignal;
}

/**
 * Registration's first half: the OPRF with a fresh pending server key (register/start, which
 * touches nothing active) and the finish request for it, which the caller sends with its signed
 * log entry (the vault's PIN recovery upkeep), on its own on an account without a log
 * (`registerPinRecovery`), or inside a lock-everywhere request, so it commits with the rest.
 * Throws `pin_rejected`, `kdf_too_weak`, or the server's KeyServerError. Never log the PIN.
 */
export async function preparePinRegistration(options: RegisterPinRecoveryOptions): Promise<PinRegisterFinishRequestT> {
  const { server, userId, pin, argon2, signal } = options;
  const verdict = checkPin(pin);
  if (!verdict.ok) throw new VaultCryptoError('pin_rejected', verdict.message);
  const params = parseArgon2Params(options.params ?? DEFAULT_ARGON2_PARAMS);
  const salt = crypto.getRandomValues(new Uint8Array(ARGON2_SALT_BYTES));
  const saltB64 = encodeBase64Url(salt);
  const input = await pinRecoveryInput(pin, salt, params, argon2, signal);
  let output: Uint8Array | undefined;
  try {
    const { blind, blindedElement } = blindInput(input);
    const started = await server.pinRegisterStart(blindedElement);
    output = finalizeOutput(input, blind, started.evaluatedElement);
    const { kek, tag } = await pinRecoveryKeys(output);
    const wrap = await useRootSecret(options.rootSecret, (rootSecret) => wrapRootSecret(rootSecret, kek, pinRecoveryWrapContext(userId, saltB64)));
    const { memoryKiB, iterations, parallelism, hashLength } = params;
    return { registrationId: started.registrationId, salt: saltB64, argon2: { memoryKiB, iterations, parallelism, hashLength: hashLength as 32 }, tag, wrap };
  } finally {
    input.fill(0);
    output?.fill(0);
  }
}

/** The registration's identifier in the account log: SHA-256(tag), base64url, the digest the server stores at `finish`. */
export async function pinRecoveryLogId(tag: string): Promise<string> {
  return encodeBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', decodeBase64Url(tag) as Uint8Array<ArrayBuffer>)));
}

/**
 * Registers (or re-registers) PIN recovery on an account without a signed log (one with a log
 * needs the entry in the finish: `log_entry_required`): a fresh salt and server key, a new tag and
 * wrap_pinRecovery(S); the allowance starts full. Returns the server's answer and the registration's
 * account log id (`pin-recovery.set`). Throws `pin_rejected`, `kdf_too_weak`, or the server's
 * KeyServerError. Never log the PIN.
 */
export async function registerPinRecovery(options: RegisterPinRecoveryOptions): Promise<PinRegisteredT & { logId: string }> {
  const finish = await preparePinRegistration(options);
  return { ...(await options.server.pinRegisterFinish(finish)), logId: await pinRecoveryLogId(finish.tag) };
}

/** What a successful PIN recovery hands the app: S (raw: re-wrap it, then wipe it) and the server's state. */
export interface PinRecoveryResult {
  readonly userId: string;
  /** S in raw form. The caller re-wraps it for the new device and wipes it; never log it. */
  readonly rootSecret: RootSecret;
  readonly keyBundle: { blob: string; version: number; updatedAt: number } | null;
  /** A recovery session (15 minutes): enough to register this device, add a passkey, set a PIN. */
  readonly session: SessionInfoT;
  readonly guessesLeft: number;
}

export interface RecoverWithPinOptions {
  readonly server: PinRecoveryServer;
  readonly username: string;
  readonly pin: string;
  readonly argon2: DeriveArgon2;
  readonly signal?: AbortSignal;
}

/**
 * Recovers S with the PIN. Costs one guess of the allowance once the Argon2id run is done (not
 * before: costs the server offers below the floor are refused with `kdf_too_weak` before any
 * guess is spent). A wrong PIN is the server's KeyServerError `pin_recovery_failed` with
 * `details.guessesLeft`; a spent allowance `pin_recovery_locked`. A server that answers a match
 * with a wrap this PIN does not open gets `decrypt_failed`. Never log the PIN.
 */
export async function recoverWithPin(options: RecoverWithPinOptions): Promise<PinRecoveryResult> {
  const { server, username, pin, argon2, signal } = options;
  const offered = await server.pinRecoveryParams(username);
  const params = parseArgon2Params(offered.argon2);
  const salt = decodeSalt(offered.salt);
  const input = await pinRecoveryInput(pin, salt, params, argon2, signal);
  let output: Uint8Array | undefined;
  try {
    const { blind, blindedElement } = blindInput(input);
    signal?.throwIfAborted(); // last moment to give up without spending a guess
    const started = await server.pinRecoveryStart(username, blindedElement);
    output = finalizeOutput(input, blind, started.evaluatedElement);
    const { kek, tag } = await pinRecoveryKeys(output);
    const recovered = await server.pinRecoveryFinish(started.attemptId, tag);
    const { userId } = recovered.session;
    const wrapped = parseGcmBlob<WrappedKey>(recovered.wrap);
    const rootSecret = await unwrapRootSecret(wrapped, kek, pinRecoveryWrapContext(userId, offered.salt));
    return { userId, rootSecret, keyBundle: recovered.keyBundle, session: recovered.session, guessesLeft: recovered.guessesLeft };
  } finally {
    input.fill(0);
    output?.fill(0);
  }
}

function decodeSalt(saltB64: string): Uint8Array {
  try {
    const salt = decodeBase64Url(saltB64);
    if (salt.length >= ARGON2_SALT_BYTES) return salt;
  } catch {
    // reported below
  }
  throw new VaultCryptoError('malformed_blob', 'The key server sent a malformed Argon2 salt');
}
