/**
 * What a Vault is built from: the composition root (src/main.ts) passes the Argon2
 * worker bridge, the key server client, the IndexedDB store and the browser's passkeys; tests
 * pass fakes for the clock, the timers and the browser environment.
 */
import type { Argon2Params, DeriveArgon2 } from './crypto';
import type { PersistentStorage } from './platform/device-environment';
import type { KeyServer } from './platform/key-server';
import type { LocalStore } from './platform/local-store';
import type { OriginStorage } from './platform/origin-wipe';
import type { PasskeyPort } from './platform/passkeys';

export interface VaultDeps {
  readonly argon2: DeriveArgon2;
  /** Starts the Argon2 worker ahead of a hash (`Argon2Client.prewarm`); `prepareUnlock` calls it. Optional: without it the worker starts with the first hash. */
  readonly prewarmArgon2?: () => void;
  /** Argon2 parameters for new PIN wraps; weaker stored wraps are raised to these at the next PIN unlock. Default DEFAULT_ARGON2_PARAMS. */
  readonly argon2Params?: Argon2Params;
  readonly server: KeyServer;
  readonly store: LocalStore;
  readonly passkeys: PasskeyPort;
  readonly now?: () => number;
  readonly setTimer?: (callback: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Default `navigator.onLine`. */
  readonly isOnline?: () => boolean;
  /**
   * The id of the app this vault runs in, as the key server registered it (issue 17). Default
   * DEFAULT_APP_ID ('keyhold'). Its device keys are logged under it (`device.add`), and records of
   * any other app bind it into their AAD, so the server cannot hand one app's records to another.
   */
  readonly appId?: string;
  /** This app's origin, bound into device sign-in signatures. Default `location.origin`. */
  readonly origin?: string;
  /** The name this device registers under. Default from `navigator.userAgent`. */
  readonly deviceName?: string;
  /** Records per change-feed page (default the server's maximum); tests use small pages to see progress. */
  readonly syncPageSize?: number;
  /** Default `navigator.storage`; null where there is none. */
  readonly storage?: PersistentStorage | null;
  /** What deleting the account wipes (IndexedDB, caches, web storage, service workers). Default this page's. */
  readonly originStorage?: OriginStorage;
}
