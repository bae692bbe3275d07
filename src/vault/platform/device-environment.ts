/**
 * What the vault asks of the browser beyond crypto and IndexedDB, behind one seam so tests
 * (and Node) can supply it: connectivity, this app's origin, a device name, storage persistence.
 */
import type { StoragePersistence } from '../state';

export type PersistentStorage = Pick<StorageManager, 'persist' | 'persisted'>;

export interface DeviceEnvironment {
  readonly isOnline: () => boolean;
  /** This app's origin, bound into device sign-in signatures; undefined where there is none. */
  readonly origin: string | undefined;
  readonly deviceName: string;
  readonly storage: PersistentStorage | null;
}

/** The browser's values, each replaced by an override when one is given. */
export function deviceEnvironment(overrides: Partial<DeviceEnvironment>): DeviceEnvironment {
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  const storage = nav?.storage && typeof nav.storage.persist === 'function' ? nav.storage : null;
  return {
    isOnline: overrides.isOnline ?? (() => nav?.onLine !== false),
    origin: overrides.origin ?? globalThis.location?.origin,
    deviceName: overrides.deviceName ?? deviceNameFor(nav?.userAgent ?? ''),
    storage: overrides.storage !== undefined ? overrides.storage : storage,
  };
}

/** Whether the browser has promised not to evict this origin's storage. */
export async function queryPersistence(storage: PersistentStorage | null): Promise<StoragePersistence> {
  if (!storage) return 'unsupported';
  try {
    return (await storage.persisted()) ? 'granted' : 'not-granted';
  } catch {
    return 'not-granted';
  }
}

/** Asks for persistent storage (`navigator.storage.persist()`), then reports what the browser decided. */
export async function requestPersistence(storage: PersistentStorage | null): Promise<StoragePersistence> {
  if (!storage) return 'unsupported';
  try {
    await storage.persist();
  } catch {
    // Reported through persisted() below.
  }
  return queryPersistence(storage);
}

/** A name for this device in the user's device list, from the user agent; never more specific than the platform. */
export function deviceNameFor(userAgent: string): string {
  if (/iPhone/.test(userAgent)) return 'iPhone';
  if (/iPad/.test(userAgent)) return 'iPad';
  if (/Android/.test(userAgent)) return /Mobile/.test(userAgent) ? 'Android phone' : 'Android tablet';
  if (/CrOS/.test(userAgent)) return 'Chromebook';
  if (/Macintosh|Mac OS X/.test(userAgent)) return 'Mac';
  if (/Windows/.test(userAgent)) return 'Windows PC';
  if (/Linux/.test(userAgent)) return 'Linux computer';
  return 'This device';
}
