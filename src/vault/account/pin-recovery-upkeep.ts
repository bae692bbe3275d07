/**
 * Keeps the key server's PIN recovery in step with this device's PIN (docs/architecture.md "Recovery
 * routes"): registered after onboarding, after every PIN change and, when an earlier attempt
 * failed (offline, server down), at the next PIN unlock. Always in the background: recovery is
 * a convenience for another day, never a reason for an unlock or a PIN change to fail.
 */
import type { PinRegisterFinishRequestT } from '../../../protocol/api';
import type { Argon2Params, DeriveArgon2, RootSecretAccess } from '../crypto';
import type { KeyServer } from '../platform/key-server';

/** The OPRF (@noble/curves) is a chunk of its own: a returning user's start and unlock never need it at once. */
const loadPinRecovery = () => import('../recovery/pin-recovery');

export interface PinRecoveryJob {
  readonly userId: string;
  /** The vault's current PIN. Held only until the job ends; never log it. */
  readonly pin: string;
  readonly rootSecret: RootSecretAccess;
  /** Settles once a session the server accepts for registration is open (passkey, device or recovery). */
  readonly sessionReady: Promise<unknown>;
}

/** What the upkeep works with: the key server, Argon2 and its costs, and the vault's two steps. */
export interface PinRecoveryUpkeepDeps {
  readonly server: KeyServer;
  readonly argon2: DeriveArgon2;
  readonly params: () => Argon2Params;
  /** Sends the prepared registration's finish with its log entry (`pin-recovery.set` of `logId`). */
  readonly finish: (request: PinRegisterFinishRequestT, logId: string) => Promise<void>;
  /** Marks the stored vault "registered"; called only if no newer PIN was set meanwhile. */
  readonly registered: () => Promise<void>;
}

export class PinRecoveryUpkeep {
  readonly #deps: PinRecoveryUpkeepDeps;
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;

  constructor(deps: PinRecoveryUpkeepDeps) {
    this.#deps = deps;
  }

  /**
   * Queues a registration (one at a time, so the server ends with the newest PIN). Resolves to
   * whether it succeeded; never rejects. A job overtaken by a newer PIN is skipped.
   */
  schedule(job: PinRecoveryJob): Promise<boolean> {
    const generation = ++this.#generation;
    const run = this.#queue.then(async () => {
      if (generation !== this.#generation) return false;
      try {
        await job.sessionReady;
        const { server, argon2, params } = this.#deps;
        const { preparePinRegistration, pinRecoveryLogId } = await loadPinRecovery();
        const request = await preparePinRegistration({ server, userId: job.userId, pin: job.pin, argon2, rootSecret: job.rootSecret, params: params() });
        if (generation !== this.#generation) return false;
        await this.#deps.finish(request, await pinRecoveryLogId(request.tag));
        // A PIN changed while this finished: the stored vault is the new PIN's, which its own job registers.
        if (generation !== this.#generation) return false;
        await this.#deps.registered();
        return true;
      } catch {
        // Offline, signed out, refused, or the log entry refused: nothing was registered (the
        // finish carries its entry), the vault row still says "not registered", and the next
        // unlock registers again.
        return false;
      }
    });
    this.#queue = run;
    return run;
  }

  /** A newer PIN exists (a PIN change): queued jobs for the older one are dropped. */
  invalidate(): void {
    this.#generation++;
  }

  /** Settles when every queued registration has ended (for tests and the UI's "saving" hint). */
  settled(): Promise<void> {
    return this.#queue.then(() => {});
  }
}
