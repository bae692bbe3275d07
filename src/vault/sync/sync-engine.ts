/**
 * The sync engine: has the service worker replay what it queued, pulls the change feed, then
 * pushes the outbox. Runs never overlap: asking while one runs queues exactly one more run. A run
 * needs no key — records travel and are stored as ciphertext — except for two things only an
 * unlocked vault can do: open a device session (the device's signing key) and keep a conflicting
 * local edit as a conflict copy (it is re-encrypted under the copy's own id). Locked, the engine
 * does what it can and says what waits.
 *
 * Conflicts keep both (nothing is silently overwritten; docs/architecture.md "Records and sync"): when a push gets 409, the
 * local edit becomes a new record marked as a conflict copy of the original, and the original
 * takes the server's version. A deletion that lost against a remote edit yields to the edit.
 */
import type { RecordChangesT, RecordEnvelopeT } from '../../../protocol/api';
import { RECORD_CHANGES_PAGE_MAX, SYNC_INTERVAL_MS } from '../../../protocol/constants';
import { type KeyServer } from '../platform/key-server';
import { bindsServerVersion } from '../crypto';
import { KeyServerError } from '../errors';
import type { LocalStore, RecordRow } from '../platform/local-store';
import type { BackgroundQueue } from './background-queue';
import { sameAsServer, SyncStore, type SyncMeta } from './sync-store';
import type { SyncFailureCode, SyncPhase, SyncStatus, UnlockedSyncPorts } from './sync-status';
import { mismatchedBindings, verifyPulledWhileLocked } from './binding-check';

export type { SyncFailureCode, SyncPhase, SyncStatus, UnlockedSyncPorts } from './sync-status';

export interface SyncEngineDeps {
  readonly server: KeyServer;
  readonly store: LocalStore;
  readonly now: () => number;
  readonly isOnline: () => boolean;
  /** The service worker's queue of writes that failed offline; null where there is none. */
  readonly background?: BackgroundQueue | null;
  /** Called after each status change. */
  readonly onStatus?: (status: SyncStatus) => void;
  /** Called when a run changed local records (pulled, conflict copies, deletions). */
  readonly onRecordsChanged?: () => void;
  /**
   * Awaited at the end of a run that reached the server, before the run reports its outcome (the
   * vault asks for waiting device approvals here): a caller of `sync()` sees its requests done.
   * Its failure does not fail the run.
   */
  readonly afterRun?: () => Promise<void>;
  readonly pageSize?: number;
}

const SESSION_CODES = new Set(['unauthenticated', 'session_expired', 'forbidden_scope']);

/** A page of the change feed and the check of its bindings (null while locked). */
interface CheckedPage {
  readonly page: RecordChangesT;
  readonly mismatched: Promise<Set<string> | null>;
}

/** What sending one outbox row came to. */
type PushOutcome = 'sent' | 'copied' | 'rebased' | 'resealed' | 'took-server' | 'waiting' | 'refused' | SyncFailureCode;

/** Thrown inside a run to end it with a phase (never escapes `sync()`). */
class RunStopped extends Error {
  constructor(
    readonly phase: SyncPhase,
    readonly failure: SyncFailureCode | null = null,
    /** `server_busy`: the seconds the server asked to wait, when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(phase);
  }
}

/** The first wait after a busy answer that named none. */
const BUSY_FIRST_WAIT_MS = 2_000;

/**
 * How long to wait after the `busyRuns`-th busy run in a row: what the server asked (or 2 s),
 * doubled for each earlier busy run, never more than the open vault's sync interval. Doubling
 * spreads out the devices a shedding server turned away at the same moment.
 */
function busyRetryDelayMs(busyRuns: number, retryAfterSeconds: number | undefined): number {
  const asked = retryAfterSeconds === undefined ? BUSY_FIRST_WAIT_MS : Math.max(1, retryAfterSeconds) * 1000;
  return Math.min(SYNC_INTERVAL_MS, asked * 2 ** Math.min(busyRuns - 1, 16));
}

export class SyncEngine {
  readonly #deps: SyncEngineDeps;
  readonly #store: SyncStore;
  #unlocked: UnlockedSyncPorts | null = null;
  #running: Promise<void> | null = null;
  /** Edits (`id@updatedAt`) already sent once while offline: the service worker queued them. */
  readonly #handedOver = new Set<string>();
  #again = false;
  /** Runs in a row that ended `server_busy`: each doubles the wait before the next (busyRetryDelayMs). */
  #busyRuns = 0;
  #status: SyncStatus = { phase: 'idle', pending: 0, lastSyncAt: null, progress: null, waitingForUnlock: 0, rolledBack: 0, failure: null, retryAt: null };

  constructor(deps: SyncEngineDeps) {
    this.#deps = deps;
    this.#store = new SyncStore(deps.store);
  }

  get status(): SyncStatus {
    return this.#status;
  }

  /** Lends (or, with null, takes back) what only an unlocked vault has. */
  setUnlocked(ports: UnlockedSyncPorts | null): void {
    this.#unlocked = ports;
  }

  /** Reads the pending count and last sync time for the status line (no network). Never rejects. */
  async refresh(): Promise<void> {
    try {
      const [pending, meta, rolledBack] = await Promise.all([this.#store.pendingCount(), this.#store.readMeta(), this.#store.rolledBackCount()]);
      this.#set({ pending, lastSyncAt: meta.lastSyncAt, rolledBack });
    } catch {
      this.#set({ phase: 'error', failure: 'storage_failed', retryAt: null });
    }
  }

  /** Pushes, then pulls. Resolves when this run (and any run asked for meanwhile) ended; never rejects. */
  sync(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      do {
        this.#again = false;
        try {
          await this.#runOnce();
        } catch {
          // IndexedDB itself failed (closed by another tab's upgrade, quota, private mode…): the
          // outbox is whatever the store still holds, and the next run tries again.
          this.#set({ phase: 'error', failure: 'storage_failed', progress: null, retryAt: null });
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #runOnce(): Promise<void> {
    if (!this.#deps.isOnline()) {
      await this.#handOver();
      await this.refresh();
      // Offline says nothing about the server's load: the next run goes when the network is back.
      this.#busyRuns = 0;
      this.#set({ phase: 'offline', retryAt: null });
      return;
    }
    this.#set({ phase: 'syncing', failure: null, retryAt: null });
    let outcome: { phase: SyncPhase; failure: SyncFailureCode | null } = { phase: 'idle', failure: null };
    let retryAfterSeconds: number | undefined;
    let lastSyncAt = this.#status.lastSyncAt;
    try {
      // The service worker alone sends what it queued; the pull settles what landed, the push the rest.
      if ((await this.#deps.background?.drain()) === 'offline') throw new RunStopped('offline');
      await this.#withSession(() => this.#pull());
      if (this.#unlocked && (await verifyPulledWhileLocked(this.#store, this.#unlocked))) this.#deps.onRecordsChanged?.();
      const pushFailure = await this.#withSession(() => this.#push());
      if (pushFailure) outcome = { phase: 'error', failure: pushFailure };
      else {
        lastSyncAt = this.#deps.now();
        const meta = await this.#store.readMeta();
        await this.#store.writeMeta({ ...meta, lastSyncAt });
      }
      await this.#deps.afterRun?.().catch(() => {});
    } catch (error) {
      outcome = error instanceof RunStopped ? { phase: error.phase, failure: error.failure } : { phase: 'error', failure: 'server_error' };
      if (error instanceof RunStopped) retryAfterSeconds = error.retryAfterSeconds;
    }
    this.#busyRuns = outcome.failure === 'server_busy' ? this.#busyRuns + 1 : 0;
    const retryAt = this.#busyRuns > 0 ? this.#deps.now() + busyRetryDelayMs(this.#busyRuns, retryAfterSeconds) : null;
    const [pending, rolledBack] = await Promise.all([this.#store.pendingCount(), this.#store.rolledBackCount()]);
    this.#set({ ...outcome, pending, rolledBack, lastSyncAt, progress: null, retryAt });
  }

  /** Runs `step`; on a missing or wrong-scope session opens a device session once and runs it again. */
  async #withSession<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      const code = error instanceof KeyServerError ? error.serverCode : null;
      if (code === null || !SESSION_CODES.has(code)) throw this.#stopFor(error);
      const unlocked = this.#unlocked;
      if (!unlocked) throw new RunStopped('signed-out');
      try {
        await unlocked.signIn();
        return await step();
      } catch (retryError) {
        const retryCode = retryError instanceof KeyServerError ? retryError.serverCode : null;
        if (retryCode !== null && SESSION_CODES.has(retryCode)) throw new RunStopped('signed-out');
        throw this.#stopFor(retryError);
      }
    }
  }

  #stopFor(error: unknown): unknown {
    if (error instanceof RunStopped) return error;
    if (error instanceof KeyServerError) {
      if (error.serverCode === 'network') return new RunStopped('offline');
      if (error.serverCode === 'device_revoked' || error.serverCode === 'signin_failed') return new RunStopped('error', 'device_revoked');
      if (error.code === 'server_busy') return new RunStopped('error', 'server_busy', error.retryAfterSeconds);
      return new RunStopped('error', 'server_error');
    }
    return error;
  }

  /**
   * Offline, each new edit is still sent once: the request fails, and the service worker (sw.ts)
   * queues it to replay when the network returns, page open or not (a record's last queued write
   * replaces its earlier ones). Without a service worker this costs one failed fetch per edit.
   */
  async #handOver(): Promise<void> {
    for (const row of await this.#store.outbox()) {
      const key = `${row.id}@${row.updatedAt}`;
      if (this.#handedOver.has(key)) continue;
      this.#handedOver.add(key);
      try {
        await this.#pushOne(row);
      } catch {
        // Expected: there is no network. The outbox keeps the edit whatever happens.
      }
    }
  }

  /** Sends every outbox row. Returns the failure that kept a row back (the others still went), or null. */
  async #push(): Promise<SyncFailureCode | null> {
    let kept: SyncFailureCode | null = null;
    let waiting = 0;
    let changed = false;
    // A conflict copy (or a rebased edit) made in this pass is in the outbox again: one more pass sends it.
    for (let pass = 0; pass < 3; pass++) {
      const outbox = await this.#store.outbox();
      this.#set({ pending: outbox.length });
      let madeCopies = false;
      waiting = 0;
      for (const row of outbox) {
        const result = await this.#pushOne(row);
        if (result === 'copied' || result === 'rebased' || result === 'resealed') madeCopies = changed = true;
        else if (result === 'took-server' || result === 'sent') changed = true; // 'sent': the list's "not yet synced" mark goes
        else if (result === 'waiting') waiting++;
        else if (result !== 'refused') kept = result;
      }
      if (!madeCopies) break;
    }
    this.#set({ waitingForUnlock: waiting });
    if (changed) this.#deps.onRecordsChanged?.();
    return kept;
  }

  async #pushOne(row: RecordRow): Promise<PushOutcome> {
    if (row.deleted === 1 && row.serverVersion === 0) {
      await this.#store.dropUnsentTombstone(row);
      return 'sent';
    }
    if (row.deleted === 0 && (!bindsServerVersion(row.v) || row.sealedFor !== row.serverVersion + 1)) {
      // Never send a ciphertext bound to another version than the server will store it as: every
      // other device would refuse it as a rollback. Re-sealing needs the vault key.
      const unlocked = this.#unlocked;
      if (!unlocked) return 'waiting';
      const resealed = await unlocked.resealForPush(row);
      if (resealed) {
        await this.#store.replaceUnsent(row, resealed);
        return 'resealed';
      }
    }
    try {
      const body =
        row.deleted === 1
          ? { expectedVersion: row.serverVersion, deleted: true, v: row.v, wrappedDek: null, ciphertext: null }
          : { expectedVersion: row.serverVersion, deleted: false, v: row.v, wrappedDek: row.wrappedDek, ciphertext: row.ciphertext };
      const { version } = await this.#deps.server.putRecord(row.id, body);
      await this.#store.settlePush(row, version);
      return 'sent';
    } catch (error) {
      if (!(error instanceof KeyServerError)) throw error;
      if (error.serverCode === 'record_too_large' || error.serverCode === 'record_quota_exceeded') return error.serverCode;
      if (error.serverCode !== 'stale_version') throw error;
      return this.#settleConflict(row, error.details.current ?? null);
    }
  }

  /** A 409: the server holds `current`, which is not what `row` replaced. */
  async #settleConflict(row: RecordRow, current: RecordEnvelopeT | null): Promise<PushOutcome> {
    // An answer older than what this device verified is a rollback, not another device's edit: keep the edit.
    if (await this.#store.refuseIfOlderThanSeen(row, current)) return 'refused';
    if (sameAsServer(row, current)) {
      // Our own earlier push landed (e.g. replayed by the service worker) but its answer was lost.
      if (row.deleted === 1) await this.#store.dropUnsentTombstone(row);
      else await this.#store.settlePush(row, current!.version);
      return 'sent';
    }
    if (row.deleted === 1) {
      // Deleted here, edited elsewhere: the edit wins, so no one's work disappears.
      await this.#store.takeServerRecord(row, current);
      return 'took-server';
    }
    if (current === null) {
      // The record is gone from the server altogether (a purged deletion): this edit brings it back.
      await this.#store.rebaseOnNothing(row);
      return 'rebased';
    }
    const unlocked = this.#unlocked;
    if (!unlocked) return 'waiting';
    const copy = await unlocked.sealConflictCopy(row);
    await this.#store.takeServerRecord(row, current, copy);
    return copy ? 'copied' : 'took-server';
  }

  async #pull(): Promise<void> {
    const pageSize = this.#deps.pageSize ?? RECORD_CHANGES_PAGE_MAX;
    let meta: SyncMeta = await this.#store.readMeta();
    let seen: Set<string> | undefined;
    let done = 0;
    let changed = 0;
    let next: Promise<CheckedPage> | null = this.#fetchChecked(meta.cursor, pageSize);
    while (next) {
      const { page, mismatched }: CheckedPage = await next;
      if (page.reset && meta.cursor !== 0) {
        // Deletions after our cursor were purged: read everything again and drop what is gone.
        meta = { ...meta, cursor: 0 };
        seen = new Set();
        done = 0;
        next = this.#fetchChecked(0, pageSize);
        continue;
      }
      // The next page is fetched and its bindings checked (WebCrypto, off the main thread) while
      // this one is stored (IndexedDB): the check then costs a large download almost nothing.
      next = page.more ? this.#fetchChecked(page.cursor, pageSize) : null;
      meta = { ...meta, cursor: page.cursor };
      const applied = await this.#store.applyChanges(page.changes, meta, seen, await mismatched);
      changed += applied.changed;
      done += page.changes.length;
      if (page.more || this.#status.progress) this.#set({ progress: { done, total: Math.max(page.total, done) } });
    }
    if (seen) changed += await this.#store.dropSyncedExcept(seen);
    if (changed > 0) this.#deps.onRecordsChanged?.();
  }

  /** One page of the feed, with its binding check already under way. */
  #fetchChecked(cursor: number, pageSize: number): Promise<CheckedPage> {
    const checked = this.#deps.server.recordChanges(cursor, pageSize).then((page) => ({ page, mismatched: mismatchedBindings(this.#unlocked, page.changes) }));
    // A page prefetched while storing the one before can be left unawaited when that store fails.
    checked.then(({ mismatched }) => mismatched.catch(() => {}), () => {});
    return checked;
  }

  #set(partial: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...partial };
    this.#deps.onStatus?.(this.#status);
  }
}
