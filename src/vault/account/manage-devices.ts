/**
 * The account's devices as the vault manages them (`vault.devices`, loaded as a chunk of its own):
 * listing, renaming and removing. Removing revokes the device's key on the server and ends its
 * sessions: its next sync is refused (`device_revoked`) while its local vault still opens with its
 * PIN — what it decrypted before stays with it, which only "lock everywhere" addresses. Each listed
 * device carries what the account log says of it (its key's fingerprint, `inLog`), and a removal
 * is signed into the log once the server made it.
 */
import { NAME_MAX_CHARS } from '../../../protocol/constants';
import type { DeviceSummaryT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { VaultError, failureFromServer } from '../errors';
import type { LogBinding } from '../account-log/list-binding';
import { MANAGEMENT_FAILURES, NAMING_FAILURES, sessionContextOf, withDeviceSession, withPasskeySignIn } from './passkey-session';

/** One device of the account. Times are epoch ms. */
export interface DeviceInfo {
  readonly id: string;
  readonly name: string;
  /** This device (the one running the vault). */
  readonly current: boolean;
  readonly createdAt: number;
  /** Its last sign-in (device key or passkey); null if it never signed in. */
  readonly lastSeenAt: number | null;
  /** When it was removed; null while it may sign in. */
  readonly revokedAt: number | null;
  /** Its signing key's fingerprint ("1a2b 3c4d 5e6f 7081"), as the device itself would show it. */
  readonly fingerprint: string;
  /**
   * The account log added it (and has not removed it): it is the account's. A device the server
   * lists that the log does not is someone else's doing, and `vault.accountLog.status` warns of it.
   * False for every device while the account has no log (status `unlogged` or `needs-confirmation`).
   */
  readonly inLog: boolean;
  /**
   * The app the device's key belongs to, as the key server registered it (issue 17): a device of
   * Keyhold or of another app using the same account; `name` is null once that app is no longer registered.
   */
  readonly app: { readonly id: string; readonly name: string | null };
}

/** The name as the server will store it (trimmed), or `name_invalid`: empty, over NAME_MAX_CHARS, or with control characters. */
export function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > NAME_MAX_CHARS || /[\p{Cc}\p{Cs}]/u.test(name)) throw new VaultError('name_invalid');
  return name;
}

/** `current` is decided here, by this device's id: a passkey session opened elsewhere may name no device. */
function describe(d: DeviceSummaryT, thisDevice: string, bound: LogBinding): DeviceInfo {
  return { id: d.id, name: d.name, current: d.id === thisDevice, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, revokedAt: d.revokedAt, app: { id: d.app.id, name: d.app.name }, ...bound };
}

async function fetchDevices(core: VaultCore, signal?: AbortSignal): Promise<DeviceSummaryT[]> {
  const context = sessionContextOf(core);
  try {
    return (await withDeviceSession(context, () => context.server.devices(signal))).devices;
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  }
}

export async function listDevices(core: VaultCore, signal?: AbortSignal): Promise<DeviceInfo[]> {
  const devices = await fetchDevices(core, signal);
  const bindings = await (await core.accountLog.keeper()).bindDevices(devices);
  const { deviceId } = core.requireVault();
  return devices.map((d, i) => describe(d, deviceId, bindings[i]!));
}

export async function renameDevice(core: VaultCore, id: string, rawName: string): Promise<void> {
  const name = checkName(rawName);
  const context = sessionContextOf(core);
  try {
    await withDeviceSession(context, () => context.server.renameDevice(id, name));
  } catch (error) {
    throw failureFromServer(error, undefined, NAMING_FAILURES);
  }
}

/**
 * Revokes the device on the server, then signs its removal into the account log. A device the server
 * no longer knows as active (`not_found`: removed before, perhaps by a call whose log entry did not
 * land) still gets its removal signed when the log holds it, before `not_found` is thrown.
 */
export async function removeDevice(core: VaultCore, id: string, signal?: AbortSignal): Promise<void> {
  const context = sessionContextOf(core);
  let refused: unknown;
  try {
    await withPasskeySignIn(context, () => context.server.removeDevice(id), signal);
  } catch (error) {
    refused = failureFromServer(error, signal, MANAGEMENT_FAILURES);
    if (!(refused instanceof VaultError && refused.code === 'not_found')) throw refused;
  }
  const removed = (await fetchDevices(core, signal)).find((d) => d.id === id && d.revokedAt !== null);
  if (removed) await core.accountLog.append([{ op: 'device.remove', key: removed.publicKey }]);
  if (refused) throw refused;
}
