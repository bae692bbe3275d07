/**
 * What an app sees of the signed account log (`vault.accountLog`; docs/architecture.md "Signed
 * account log"). Public values only: names the server lists, fingerprints of public keys.
 */

/**
 * Why the account's log (or what the server lists beside it) cannot be trusted as it is:
 * - `rollback`: the server showed an older log than this device verified before (or none at all);
 * - `fork`: the server showed a log that does not continue the one this device verified;
 * - `invalid`: an entry does not verify (a signature, a link or a rule);
 * - `identity-mismatch`: the log is signed by an identity key this device's key bundle does not hold;
 * - `unlisted-device` / `unlisted-passkey`: the server lists a device or passkey the verified log
 *   never added (`name`, `fingerprint`): it cannot sign in, and someone wrote it into the server.
 * This device keeps the log it verified last whatever the server shows afterwards.
 */
export interface AccountLogWarning {
  readonly kind: 'rollback' | 'fork' | 'invalid' | 'identity-mismatch' | 'unlisted-device' | 'unlisted-passkey';
  /** The device's or passkey's name as the server lists it (unlisted-* only). */
  readonly name?: string;
  /** logKeyFingerprint of its public key: "1a2b 3c4d 5e6f 7081" (unlisted-* only). */
  readonly fingerprint?: string;
}

/**
 * `state`: `unlogged` (the account has no log yet, or it was not checked yet), `needs-confirmation`
 * (no log yet and the vault is open: `vault.accountLog.migration()` has the list to confirm),
 * `verified` (the log verifies and continues what this device saw) or `warning` (see `warnings`).
 * `seq`: the newest entry this device verified (0: none).
 */
export interface AccountLogStatus {
  readonly state: 'unlogged' | 'needs-confirmation' | 'verified' | 'warning';
  readonly seq: number;
  readonly warnings: readonly AccountLogWarning[];
}

/** A passkey or device as a migration lists it, for the person to confirm. */
export interface LogMigrationItem {
  /** The server's id of the passkey (its credential id) or device. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly fingerprint: string;
}

/**
 * What an account made before the log holds, as the key server lists it: the passkeys and active
 * devices to keep (each shown with its fingerprint; this device's is `currentDeviceId`), and
 * whether an authenticator app, a recovery kit and PIN recovery are set up (kept when confirmed).
 */
export interface LogMigrationPlan {
  readonly passkeys: readonly LogMigrationItem[];
  readonly devices: readonly LogMigrationItem[];
  /** This device: always kept. */
  readonly currentDeviceId: string;
  readonly totp: boolean;
  readonly kit: boolean;
  readonly pinRecovery: boolean;
}

/** Which of a plan's passkeys and devices the person keeps (ids from the plan). */
export interface LogMigrationChoice {
  readonly keep: { readonly passkeys: readonly string[]; readonly devices: readonly string[] };
}

/** The status before any check: nothing known yet. */
export const UNCHECKED_LOG_STATUS: AccountLogStatus = Object.freeze({ state: 'unlogged', seq: 0, warnings: Object.freeze([]) });
