/**
 * `vault.accountLog`: the account's signed log of who may act for it (docs/architecture.md "Signed
 * account log"). Each sync run of an open vault reads what is new in it and verifies it against what
 * this device verified before; the vault's own flows sign their changes into it. The work is in
 * log-keeper.ts, a chunk loaded at the first check.
 */
import type { LogChange, LogEntry } from '../../../protocol/account-log';
import type { Session, VaultCore } from '../core';
import { VaultError } from '../errors';
import { ACCOUNT_LOG_CHANGED } from '../state';
import { UNCHECKED_LOG_STATUS, type AccountLogStatus, type LogMigrationChoice, type LogMigrationPlan } from './account-log-types';
import type { AppendOptions } from './append-log';
import type { AccountLogKeeper } from './log-keeper';

const loadKeeper = () => import('./log-keeper');

export class VaultAccountLog {
  readonly #core: VaultCore;
  #status: AccountLogStatus = UNCHECKED_LOG_STATUS;
  #keeper: Promise<AccountLogKeeper> | undefined;
  /**
   * The session whose sync run also checked the device and passkey lists: the first one after each
   * unlock. Not a session a flow opened (a device just recovered holds a recovery session, which may
   * not list them; the check never swaps it for a device sign-in): its lists are checked by the
   * first list call, or at the next unlock.
   */
  #listsChecked: Session | undefined;

  constructor(core: VaultCore) {
    this.#core = core;
  }

  /** Where the log stands as last checked (at each sync run of an open vault, and with every device or passkey list). */
  get status(): AccountLogStatus {
    return this.#status;
  }

  /**
   * For an account made before the log (status `needs-confirmation`): what the key server lists, for
   * the person to confirm; null when the account has a log already, or the vault is locked. Throws
   * `offline`, `server_error`.
   */
  async migration(signal?: AbortSignal): Promise<LogMigrationPlan | null> {
    if (!this.#core.session) return null;
    return (await this.keeper()).migration(signal);
  }

  /**
   * Starts the account's log from `plan` (from `migration()`): creates the identity key and adds it
   * to the key bundle every device shares, then signs the genesis vouching for the passkeys and
   * devices in `choice.keep` (this device always) and the recovery routes the plan listed. The server
   * refuses what was not kept from then on. Throws `not_found` (not this vault's plan), `locked`,
   * `account_changed` (another device changed the keys meanwhile), `rolled_back`,
   * `account_log_unverified`, `offline`.
   */
  async confirmMigration(plan: LogMigrationPlan, choice: LogMigrationChoice): Promise<void> {
    await (await this.keeper()).confirmMigration(plan, choice);
  }

  /**
   * SDK-internal: signs `changes` into the log (the vault's own flows; apps do not call it). False
   * when the account has no log yet. Throws `account_log_unverified`, `locked`, `offline`.
   */
  async append(changes: readonly LogChange[], options?: AppendOptions): Promise<boolean> {
    return (await this.keeper()).append(changes, options);
  }

  /**
   * SDK-internal: a recovery route's set-up (a PIN registration's finish, a kit's PUT, a TOTP
   * enrolment's finish) sent by `request` with the signed entry for `change`, so the server
   * commits both or neither; after `log_stale` the entry is signed again on the new head and the
   * request sent again. An account without a log gets the request with no entry. Returns its
   * answer, or undefined when the log names `change` already and nothing was sent (an earlier try
   * landed with its answer lost). Throws like `append`, and whatever `request` throws.
   */
  async setUpWithEntry<T>(change: LogChange, request: (entry?: LogEntry) => Promise<T>): Promise<{ readonly answer: T } | undefined> {
    let sent: { readonly answer: T } | undefined;
    await this.append([change], {
      send: async (entries) => {
        if (entries.length !== 1) throw new VaultError('account_log_unverified', 'A set-up carries one log entry.');
        sent = { answer: await request(entries[0]) };
      },
      withoutLog: async () => {
        sent = { answer: await request() };
      },
    });
    return sent;
  }

  /** SDK-internal: the chunk doing the work, made once. */
  keeper(): Promise<AccountLogKeeper> {
    return (this.#keeper ??= loadKeeper().then(({ AccountLogKeeper }) => new AccountLogKeeper(this.#core, (status) => this.#show(status))));
  }

  /** The end of a sync run that reached the server: check the log while unlocked (never throws). */
  async afterSyncRun(): Promise<void> {
    const session = this.#core.session;
    if (!session) return;
    const lists = !session.adopted && this.#listsChecked !== session;
    try {
      if (await (await this.keeper()).check({ lists })) this.#listsChecked = session;
    } catch {
      // Offline or refused: the next run checks again.
    }
  }

  #show(status: AccountLogStatus): void {
    if (JSON.stringify(status) === JSON.stringify(this.#status)) return;
    this.#status = status;
    this.#core.emit(ACCOUNT_LOG_CHANGED);
  }
}
