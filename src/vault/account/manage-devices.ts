/**
 * The account's devices as the vault manages them (`vault.devices`, loaded as a chunk of its own):
 * listing, renaming and removing. Removing revokes the device's key on the server and ends its
 * sessions: its next sync is refused (`device_revoked`) while its local vault still opens with its
 * PIN — what it decrypted before stays with it, which only "lock everywhere" addresses.
 */
import { NAME_MAX_CHARS } from '../../../protocol/constants';
import type { DeviceSummaryT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { VaultError, failureFromServer } from '../errors';
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
}

/** The name as the server will store it (trimmed), or `name_invalid`: empty, over NAME_MAX_CHARS, or with control characters. */
export function checkName(raw: string): string {
  const name = raw.trim();
  if (name.length === 0 || name.length > NAME_MAX_CHARS || /[\p{Cc}\p{Cs}]/u.test(name)) throw new VaultError('name_invalid');
  return name;
}

/** `current` is decided here, by this device's id: a passkey session opened elsewhere may name no device. */
function describe(d: DeviceSummaryT, thisDevice: string): DeviceInfo {
  return { id: d.id, name: d.name, current: d.id === thisDevice, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, revokedAt: d.revokedAt };
}

export async function listDevices(core: VaultCore, signal?: AbortSignal): Promise<DeviceInfo[]> {
  const context = sessionContextOf(core);
  try {
    const { devices } = await withDeviceSession(context, () => context.server.devices(signal));
    return devices.map((d) => describe(d, context.deviceId));
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  }
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

export async function removeDevice(core: VaultCore, id: string, signal?: AbortSignal): Promise<void> {
  const context = sessionContextOf(core);
  try {
    await withPasskeySignIn(context, () => context.server.removeDevice(id), signal);
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  }
}
