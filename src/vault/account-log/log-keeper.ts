/**
 * The account log's work for an open vault (`vault.accountLog`, vault-account-log.ts, loads this
 * chunk at the first sync run or log call): checking the server's log at each sync run, signing
 * the changes the vault's flows make, binding the device and passkey lists to the log, and the
 * status and warnings the app shows. One operation at a time, so two appends never race each other
 * for the same head.
 */
import type { AccountLogState, LogChange } from '../../../protocol/account-log';
import type { DeviceSummaryT, PasskeySummaryT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { KeyServerError, failureFromServer } from '../errors';
import { MANAGEMENT_FAILURES, sessionContextOf, withDeviceSession } from '../account/passkey-session';
import type { AccountLogStatus, AccountLogWarning, LogMigrationChoice, LogMigrationPlan } from './account-log-types';
import { appendToLog, type AppendOptions } from './append-log';
import { adoptServerIdentity } from './bundle-identity';
import { bindDevice, bindPasskey, unlistedDevices, unlistedPasskeys, type LogBinding } from './list-binding';
import { storedMirror } from './log-mirror';
import { confirmMigration, planMigration } from './migration';
import { pullAccountLog, type LogContext, type LogTrouble, type PulledLog } from './pull-log';

export class AccountLogKeeper {
  readonly #core: VaultCore;
  readonly #show: (status: AccountLogStatus) => void;
  #queue: Promise<unknown> = Promise.resolve();
  /** What the last look at the server said: no log, or a log; undefined before the first. */
  #serverStatus: 'unlogged' | 'logged' | undefined;
  #trouble: LogTrouble | null = null;
  #seq = 0;
  #deviceWarnings: readonly AccountLogWarning[] = [];
  #passkeyWarnings: readonly AccountLogWarning[] = [];

  constructor(core: VaultCore, show: (status: AccountLogStatus) => void) {
    this.#core = core;
    this.#show = show;
  }

  /**
   * The context of the open vault's log. With `signIn` (the default) a call the server refuses for
   * want of a session signs this device in and runs again; without it (the background check) it
   * just fails, so a check never swaps the session a flow in progress opened. Throws `locked`.
   */
  context({ signIn = true } = {}): LogContext {
    const core = this.#core;
    const session = core.requireSession();
    const { userId } = core.requireVault();
    const sessions = sessionContextOf(core);
    return {
      server: core.deps.server,
      userId,
      mirror: storedMirror(core.deps.store, userId),
      // Read at each use: a migration or an adopted bundle gives the session its key meanwhile.
      get identity() {
        return session.identity;
      },
      trustsIdentity: (key) => (session.identity?.publicKey === key ? Promise.resolve(true) : adoptServerIdentity(core, session, key)),
      now: core.now,
      call: signIn ? (request) => withDeviceSession(sessions, request) : (request) => request(),
    };
  }

  /** Runs `task` after every operation queued before it. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * One sync run's check: the log since the mirror's head and, with `lists`, the devices and
   * passkeys the server lists. Returns whether the lists were checked: not with the recovery session
   * a device just recovered still holds, which may not list them (the check never swaps a session
   * for a device sign-in behind the person's back: a later run, or the first list call, checks them).
   */
  check({ lists }: { lists: boolean }): Promise<boolean> {
    return this.serial(async () => {
      // The sync run that ends with this check opened a session if it needed one.
      const ctx = this.context({ signIn: false });
      const pulled = await pullAccountLog(ctx);
      this.#note(pulled);
      let listed = !lists || pulled.status !== 'logged';
      if (!listed) {
        try {
          const [{ devices }, { passkeys }] = await Promise.all([ctx.server.devices(), ctx.server.passkeys()]);
          this.#deviceWarnings = unlistedDevices(pulled.mirror.state, devices);
          this.#passkeyWarnings = unlistedPasskeys(pulled.mirror.state, passkeys);
          listed = true;
        } catch (error) {
          if (!(error instanceof KeyServerError && error.serverCode === 'forbidden_scope')) throw error;
        }
      }
      this.#publish();
      return listed;
    });
  }

  /** Signs `changes` into the log (appendToLog): false when the account has no log yet. Throws like appendToLog, and `locked`. */
  append(changes: readonly LogChange[], options?: AppendOptions): Promise<boolean> {
    return this.serial(async () => {
      const ctx = this.context();
      try {
        const logged = await appendToLog(ctx, changes, options);
        if (logged) this.#serverStatus = 'logged';
        this.#seq = (await ctx.mirror.read()).state.seq;
        return logged;
      } finally {
        this.#publish();
      }
    });
  }

  /** The log's view of the server's device list (read with it, after the log is brought up to date); notes unlisted ones. */
  bindDevices(devices: readonly DeviceSummaryT[]): Promise<LogBinding[]> {
    return this.#bindList(devices, bindDevice, (state) => (this.#deviceWarnings = unlistedDevices(state, devices)));
  }

  /** The log's view of the server's passkey list; notes unlisted ones. */
  bindPasskeys(passkeys: readonly PasskeySummaryT[]): Promise<LogBinding[]> {
    return this.#bindList(passkeys, bindPasskey, (state) => (this.#passkeyWarnings = unlistedPasskeys(state, passkeys)));
  }

  /** See VaultAccountLog.migration. */
  migration(signal?: AbortSignal): Promise<LogMigrationPlan | null> {
    return this.serial(async () => {
      const ctx = this.context();
      const pulled = await pullAccountLog(ctx);
      this.#note(pulled);
      this.#publish();
      if (pulled.status !== 'unlogged' || pulled.trouble) return null;
      return planMigration(this.#core, ctx, signal);
    });
  }

  /** See VaultAccountLog.confirmMigration. */
  confirmMigration(plan: LogMigrationPlan, choice: LogMigrationChoice): Promise<void> {
    return this.serial(async () => {
      try {
        await confirmMigration(this.#core, this.context(), plan, choice);
      } finally {
        this.#note(await pullAccountLog(this.context()).catch(() => null));
        this.#publish();
      }
    });
  }

  async #bindList<T>(items: readonly T[], bind: (state: AccountLogState, item: T) => LogBinding, warn: (state: AccountLogState) => void): Promise<LogBinding[]> {
    return this.serial(async () => {
      let pulled: PulledLog;
      try {
        pulled = await pullAccountLog(this.context());
      } catch (error) {
        throw failureFromServer(error, undefined, MANAGEMENT_FAILURES);
      }
      this.#note(pulled);
      const { state } = pulled.mirror;
      if (pulled.status === 'logged') warn(state);
      this.#publish();
      return items.map((item) => bind(state, item));
    });
  }

  #note(pulled: PulledLog | null): void {
    if (!pulled) return;
    this.#serverStatus = pulled.status;
    this.#trouble = pulled.trouble;
    this.#seq = pulled.mirror.state.seq;
    if (pulled.status === 'unlogged') this.#deviceWarnings = this.#passkeyWarnings = [];
  }

  #publish(): void {
    const warnings = [...(this.#trouble ? [{ kind: this.#trouble }] : []), ...this.#deviceWarnings, ...this.#passkeyWarnings];
    const state =
      warnings.length > 0 ? 'warning' : this.#serverStatus === 'logged' ? 'verified' : this.#serverStatus === 'unlogged' && this.#core.session ? 'needs-confirmation' : 'unlogged';
    this.#show(Object.freeze({ state, seq: this.#seq, warnings: Object.freeze(warnings) }));
  }
}
