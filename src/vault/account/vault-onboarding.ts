/**
 * Creating an account on this device (`vault.onboarding`): a passkey first (a passkey session
 * opens), then a PIN, which creates the key hierarchy, backs it up to the key server and opens
 * the vault. Loaded as a chunk of its own: a returning user's start never needs it.
 */
import type { VaultCore } from '../core';
import type { DeviceSettings } from '../device-settings';
import { VaultError } from '../errors';
import type { DeriveProgress } from '../state';
import { checkNewPin, withProgress } from '../unlock/pin-attempts';
import type { PendingAccount } from './onboarding';

const loadOnboarding = () => import('./onboarding');

export class VaultOnboarding {
  readonly #core: VaultCore;
  readonly #settings: DeviceSettings;
  #pending: PendingAccount | undefined;
  #choosing: Promise<void> = Promise.resolve();

  constructor(core: VaultCore, settings: DeviceSettings) {
    this.#core = core;
    this.#settings = settings;
  }

  /** Registers a passkey for a new account, then asks for a PIN. Throws `username_taken`, `username_invalid`, `passkey_cancelled`, `offline`. */
  async createAccount(username: string, signal?: AbortSignal): Promise<void> {
    const core = this.#core;
    if (core.state.kind !== 'welcome' && core.state.kind !== 'choose-pin') throw new VaultError('not_found', 'This device already has a vault.');
    const { registerAccount } = await loadOnboarding();
    const pending = await registerAccount(core.deps.server, core.deps.passkeys, username, signal);
    this.#dropPending();
    this.#pending = pending;
    core.setState({ kind: 'choose-pin', username: pending.username, prfAvailable: pending.prfOutput !== null });
  }

  /** Creates the key hierarchy under `pin`, backs it up to the server, stores it here, and unlocks. Throws `pin_mismatch`, `pin_rejected`. */
  choosePin(pin: string, confirm: string, onProgress?: DeriveProgress, signal?: AbortSignal): Promise<void> {
    // One at a time: two overlapping calls would each publish a different key bundle.
    const run = this.#choosing.then(() => this.#choosePin(pin, confirm, onProgress, signal));
    this.#choosing = run.catch(() => {});
    return run;
  }

  async #choosePin(pin: string, confirm: string, onProgress: DeriveProgress | undefined, signal: AbortSignal | undefined): Promise<void> {
    const core = this.#core;
    const pending = this.#pending;
    if (!pending || core.state.kind !== 'choose-pin') throw new VaultError('not_found', 'Create the account first.');
    await checkNewPin(pin, confirm);
    onProgress?.('deriving');
    const { sealAndPublish } = await loadOnboarding();
    const { vault, unlocked } = await sealAndPublish({
      server: core.deps.server,
      passkeys: core.deps.passkeys,
      pending,
      pin,
      params: core.argon2Params,
      argon2: withProgress(core.deps.argon2, onProgress),
      deviceName: core.env.deviceName,
      appId: core.appId,
      now: core.now(),
      signal,
    });
    this.#dropPending();
    await core.adopt(vault, unlocked, pin);
    onProgress?.('done');
    // The vault now lives only here until recovery exists: ask the browser not to clear it. The
    // answer is shown in settings; a refusal is not an error.
    void this.#settings.requestPersistence().catch(() => {});
  }

  #dropPending(): void {
    this.#pending?.prfOutput?.fill(0);
    this.#pending = undefined;
  }
}
