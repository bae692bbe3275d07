/**
 * The recovery routes as a new device runs them (docs/architecture.md "Recovery routes"), loaded as a
 * chunk of their own: a returning user's start never needs them. Each checks the local PIN first
 * (so no server guess or code is spent on a PIN the policy refuses), recovers S, joins the
 * account (device-recovery.ts) and hands the result to the vault, which stores and opens it.
 */
import type { Argon2Params, UnlockedVault } from '../crypto';
import { joinRecoveredAccount, recoverAccountWithKit, recoverAccountWithPasskey, recoverAccountWithPin, recoverAccountWithTotp, type RecoveredAccount } from './device-recovery';
import { readRecoveryKitText } from './recovery-code';
import { recoverAccountWithApproval } from './approval-recovery';
import type { StoredVault } from '../platform/local-store';
import { normalizeUsername } from '../account/onboarding';
import { checkNewPin, withProgress } from '../unlock/pin-attempts';
import type { VaultDeps } from '../deps';
import { VaultError } from '../errors';
import type { ApprovalRecoverOptions, RecoverOptions } from '../state';

/** What the flows need from the vault. */
export interface RecoveryHost {
  readonly deps: VaultDeps;
  readonly deviceName: string;
  /** The app the recovered device joins as (VaultDeps.appId). */
  readonly appId: string;
  readonly argon2Params: Argon2Params;
  now(): number;
  /** Resolves after `ms` on the vault's clock; rejects with the abort reason when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Throws `not_found` when this device already has a vault. */
  requireNoVault(): void;
  /** Stores the joined vault, opens it, and registers PIN recovery for `localPin` unless it is current. */
  adopt(vault: StoredVault, unlocked: UnlockedVault, localPin: string): Promise<void>;
}

/** PIN route. `options.newPin` replaces the PIN on this device (and then in PIN recovery). */
export async function recoverWithPin(host: RecoveryHost, rawUsername: string, pin: string, options: RecoverOptions = {}): Promise<void> {
  host.requireNoVault();
  const localPin = options.newPin ?? pin;
  await checkNewPin(localPin, localPin);
  options.onProgress?.('deriving');
  const argon2 = withProgress(host.deps.argon2, options.onProgress);
  const recovered = await recoverAccountWithPin(host.deps.server, argon2, normalizeUsername(rawUsername), pin, options.signal);
  await adopt(host, recovered, localPin, localPin === pin, options);
}

/** Authenticator-app route; a new PIN is required (the old one may be what was forgotten). */
export async function recoverWithTotp(host: RecoveryHost, rawUsername: string, code: string, newPin: string, confirm: string, options: RecoverOptions = {}): Promise<void> {
  host.requireNoVault();
  await checkNewPin(newPin, confirm);
  const recovered = await recoverAccountWithTotp(host.deps.server, normalizeUsername(rawUsername), code, options.signal);
  await adopt(host, recovered, newPin, false, options);
}

/**
 * Recovery-kit route; a new PIN is required. `code` is the typed words or the kit's QR text (its
 * username must then be `rawUsername`'s). The code is read before anything else, so a typo costs
 * no server attempt.
 */
export async function recoverWithKit(host: RecoveryHost, rawUsername: string, code: string, newPin: string, confirm: string, options: RecoverOptions = {}): Promise<void> {
  host.requireNoVault();
  const username = normalizeUsername(rawUsername);
  const read = readRecoveryKitText(code);
  if (read.username !== null && read.username !== username) throw new VaultError('kit_invalid', 'This kit was made for another username.');
  await checkNewPin(newPin, confirm);
  const recovered = await recoverAccountWithKit(host.deps.server, username, read.code, options.signal);
  await adopt(host, recovered, newPin, false, options);
}

/** Passkey route (PRF); this device gets a PIN too, and keeps the passkey for offline PRF unlock. */
export async function recoverWithPasskey(host: RecoveryHost, rawUsername: string, newPin: string, confirm: string, options: RecoverOptions = {}): Promise<void> {
  host.requireNoVault();
  await checkNewPin(newPin, confirm);
  const recovered = await recoverAccountWithPasskey(host.deps.server, host.deps.passkeys, normalizeUsername(rawUsername), options.signal);
  await adopt(host, recovered, newPin, false, options);
}

/**
 * Approval from another device: ask, show the phrase, wait for a device of the account to approve;
 * a new PIN is required (checked first, so a refused PIN asks nobody anything).
 */
export async function recoverWithApproval(host: RecoveryHost, rawUsername: string, newPin: string, confirm: string, options: ApprovalRecoverOptions = {}): Promise<void> {
  host.requireNoVault();
  await checkNewPin(newPin, confirm);
  const { signal, onPhrase } = options;
  const recovered = await recoverAccountWithApproval({
    server: host.deps.server,
    username: normalizeUsername(rawUsername),
    deviceName: host.deviceName,
    now: () => host.now(),
    sleep: (ms, s) => host.sleep(ms, s),
    ...(onPhrase ? { onPhrase } : {}),
    ...(signal ? { signal } : {}),
  });
  await adopt(host, recovered, newPin, false, options);
}

/** Wraps the recovered S under `localPin`, registers this device, hands it to the vault; wipes S whatever happens. */
async function adopt(host: RecoveryHost, recovered: RecoveredAccount, localPin: string, pinRecoveryCurrent: boolean, options: RecoverOptions): Promise<void> {
  const { onProgress, signal } = options;
  try {
    onProgress?.('deriving');
    const joined = await joinRecoveredAccount({
      server: host.deps.server,
      argon2: withProgress(host.deps.argon2, onProgress),
      params: host.argon2Params,
      recovered,
      pin: localPin,
      deviceName: host.deviceName,
      appId: host.appId,
      now: host.now(),
      pinRecoveryCurrent,
      signal,
    });
    await host.adopt(joined.vault, joined.unlocked, localPin);
    onProgress?.('done');
  } finally {
    recovered.rootSecret.fill(0);
  }
}
