/**
 * What the verified account log says about the devices and passkeys the key server lists: each
 * item's fingerprint, whether the log added it (`inLog`), and a warning for every active one it did
 * not — a row someone wrote into the server's database, which the server refuses to sign in, and
 * which no screen may present as the account's.
 */
import { logKeyFingerprint, type AccountLogState } from '../../../protocol/account-log';
import type { DeviceSummaryT, PasskeySummaryT } from '../../../protocol/api';
import type { AccountLogWarning } from './account-log-types';

/** What the log says of one listed item. */
export interface LogBinding {
  /** logKeyFingerprint of its public key ('' when the server sent no readable key). */
  readonly fingerprint: string;
  /** The verified log added it and has not removed it: the device or passkey is the account's. */
  readonly inLog: boolean;
}

/** logKeyFingerprint, or '' for a key the server sent that is not base64url. */
export function fingerprintOf(key: string): string {
  try {
    return logKeyFingerprint(key);
  } catch {
    return '';
  }
}

/** The log's view of a device: its key (as the server lists it: the raw point the log names) added and not removed. */
export function bindDevice(state: AccountLogState, device: DeviceSummaryT): LogBinding {
  return { fingerprint: fingerprintOf(device.publicKey), inLog: Object.hasOwn(state.devices, device.publicKey) };
}

/** The log's view of a passkey: added under this credential id with exactly this public key. */
export function bindPasskey(state: AccountLogState, passkey: PasskeySummaryT): LogBinding {
  const added = Object.hasOwn(state.passkeys, passkey.id) ? state.passkeys[passkey.id] : undefined;
  return { fingerprint: fingerprintOf(passkey.publicKey), inLog: added?.key === passkey.publicKey };
}

/** A warning for each device the server lists as active that the log did not add (a removed one cannot act). */
export function unlistedDevices(state: AccountLogState, devices: readonly DeviceSummaryT[]): AccountLogWarning[] {
  return devices
    .filter((d) => d.revokedAt === null)
    .map((d) => ({ d, bound: bindDevice(state, d) }))
    .filter(({ bound }) => !bound.inLog)
    .map(({ d, bound }) => ({ kind: 'unlisted-device', name: d.name, fingerprint: bound.fingerprint }));
}

/** A warning for each passkey the server lists that the log did not add, or lists with another key. */
export function unlistedPasskeys(state: AccountLogState, passkeys: readonly PasskeySummaryT[]): AccountLogWarning[] {
  return passkeys
    .map((p) => ({ p, bound: bindPasskey(state, p) }))
    .filter(({ bound }) => !bound.inLog)
    .map(({ p, bound }) => ({ kind: 'unlisted-passkey', name: p.name, fingerprint: bound.fingerprint }));
}
