import type { Argon2Client, Vault } from './vault';
import type { AppUpdates } from './pwa';

/** The app's singletons, created once in main.ts and handed to the `<kh-app>` shell. */
export interface AppServices {
  readonly argon2: Argon2Client;
  /** Undefined where no service worker runs (the dev server, or a browser without one). */
  readonly updates: AppUpdates | undefined;
  /** The vault the screens render and drive; `<kh-app>` calls its `start()` once. */
  readonly vault: Vault;
}
