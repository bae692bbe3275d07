import type { AccountLogPageT } from '../../protocol/api';
import { AccountLogError, LOG_GENESIS_PREV, applyLogEntries, logEntryHash, type LogChange, type LogEntry } from '../../protocol/account-log';
import { ACCOUNT_LOG_APPENDS_PER_MINUTE, ACCOUNT_LOG_MAX_ENTRIES, ACCOUNT_LOG_PAGE_MAX, FRESH_PASSKEY_SECONDS } from '../../protocol/constants';
import { KeyholdError } from '../errors';
import { findCredential, listCredentials } from '../store/accounts';
import { findLastLogEntry, insertLogEntries, listLogEntries, replaceLogHead } from '../store/account-log';
import { appendAuditEvent } from '../store/audit';
import { countHits } from '../store/rate-limits';
import { listPendingApprovals } from '../store/device-approvals';
import { listDevices } from '../store/devices';
import { findPinRecovery } from '../store/pin-recovery';
import { findRecoveryKit } from '../store/recovery-kits';
import type { Session } from '../store/sessions';
import type { Store } from '../store/store';
import { findTotpRecovery } from '../store/totp-recovery';
import { isBound, logInvalid, logKeyOf, readLogHead, sealLogHead, type VerifiedHead } from './account-log-head';
import type { Pepper } from './pepper';

/*
 * Appending to the signed account log (docs/architecture.md "Signed account log"), under the
 * user's lock:
 *   1. the head must verify (account-log-head.ts), else `account_log_invalid`;
 *   2. the first entry must continue it (seq = head seq + 1), else 409 `log_stale` with the head;
 *   3. at most ACCOUNT_LOG_MAX_ENTRIES entries per account (`log_full`);
 *   4. `applyLogEntries` from the head's state: seq, link, signature by the identity key in force,
 *      the rules of each change — any failure is 400 `log_entry_invalid` with its reason;
 *   4b. each `device.add` names the app the key belongs to: a registered live device's own app, else
 *      the app of a live request to join naming the key (device approval), else the request's (the
 *      device registers from it next) — otherwise 400 `app_mismatch`;
 *   5. removing something, or rotating the identity key, needs a fresh passkey session (a passkey
 *      sign-in of the last FRESH_PASSKEY_SECONDS whose passkey the log holds) — unless everything
 *      removed is already gone from the server's tables: the signed entry then only catches the log
 *      up with a removal a fresh passkey made (DELETE /devices/{id} and /passkeys/{id} need one);
 *   6. the entries are stored as canonical JSON with their hashes and the head moves, sealed anew;
 *      a genesis turns the account `logged` for good. Each entry is audited.
 * The signature is what makes an entry the account's: a session alone (or a database writer) can
 * append nothing.
 */

/** A stored entry: its fields in one fixed order, so the stored text is the same whoever sent it. */
export function canonicalEntryJson(entry: LogEntry): string {
  const change = (c: LogChange) => {
    const f = c as { op: string; id?: string; key?: string; app?: string };
    return { op: f.op, ...(f.id === undefined ? {} : { id: f.id }), ...(f.key === undefined ? {} : { key: f.key }), ...(f.app === undefined ? {} : { app: f.app }) };
  };
  return JSON.stringify({
    seq: entry.seq,
    prev: entry.prev,
    at: entry.at,
    changes: entry.changes.map(change),
    sig: entry.sig,
    ...(entry.newKeySig === undefined ? {} : { newKeySig: entry.newKeySig }),
  });
}

/** A passkey session opened at most FRESH_PASSKEY_SECONDS ago (what requireFreshPasskey checks first). */
export function isFreshPasskeySession(session: Session, now: number): boolean {
  return session.scope === 'passkey' && now - session.createdAt <= FRESH_PASSKEY_SECONDS * 1000;
}

/** Whether the passkey that opened `session` is one `head` holds (always, for an unlogged account). */
export async function sessionPasskeyIsBound(tx: Store, head: VerifiedHead, session: Session): Promise<boolean> {
  if (head.status === 'unlogged') return true;
  if (session.credentialId === null) return false;
  const credential = await findCredential(tx, session.credentialId);
  return credential !== undefined && credential.user_id === session.userId && isBound(head.state, { kind: 'passkey', id: credential.id, publicKey: credential.public_key });
}

/**
 * For requireFreshPasskey: whether the passkey that opened `session` is one the account's log holds
 * (always, while the account is unlogged). Throws `account_log_invalid` when the head does not verify.
 */
export async function freshPasskeyIsBound(store: Store, pepper: Pepper, session: Session): Promise<boolean> {
  const head = await readLogHead(store, pepper, session.userId);
  if ('problem' in head) throw logInvalid();
  return sessionPasskeyIsBound(store, head, session);
}

/** Whether every removal in `entries` names something the server's tables no longer hold for `userId`. */
async function removalsAlreadyMade(tx: Store, userId: string, changes: readonly LogChange[]): Promise<boolean> {
  for (const change of changes) {
    switch (change.op) {
      case 'passkey.remove':
        if ((await listCredentials(tx, userId)).some((c) => c.id === change.id)) return false;
        break;
      case 'device.remove': {
        const live = (await listDevices(tx, userId)).filter((d) => d.revoked_at === null);
        if (live.some((d) => logKeyOf(d) === change.key)) return false;
        break;
      }
      case 'totp.remove':
        if (await findTotpRecovery(tx, userId)) return false;
        break;
      case 'kit.remove':
        if (await findRecoveryKit(tx, userId)) return false;
        break;
      case 'pin-recovery.remove':
        if (await findPinRecovery(tx, userId)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

/**
 * The apps live requests to join (pending, unexpired) ask for, by the device key each will register.
 * Rows the server stored from each request's Origin: an approver cannot choose them.
 */
async function requestedApps(tx: Store, userId: string, now: number): Promise<Map<string, Set<string>>> {
  const apps = new Map<string, Set<string>>();
  for (const request of await listPendingApprovals(tx, userId, now)) {
    if (request.device_key === null) continue;
    const key = logKeyOf({ public_key_jwk: request.device_key });
    if (key === '') continue;
    apps.set(key, (apps.get(key) ?? new Set()).add(request.app_id));
  }
  return apps;
}

/**
 * Step 4b: `app_mismatch` unless every `device.add` names the app its key belongs to: a live
 * device's own app; else the app of a live request to join that names the key (the approver signs
 * the new device's key from another app); else the appending request's app.
 */
async function checkDeviceApps(tx: Store, userId: string, changes: readonly LogChange[], appId: string, now: number): Promise<void> {
  const adds = changes.filter((c): c is Extract<LogChange, { op: 'device.add' }> => c.op === 'device.add');
  if (adds.length === 0) return;
  const registered = new Map((await listDevices(tx, userId)).filter((d) => d.revoked_at === null).map((d) => [logKeyOf(d), d.app_id]));
  const requested = adds.some((add) => !registered.has(add.key)) ? await requestedApps(tx, userId, now) : new Map<string, Set<string>>();
  for (const add of adds) {
    const device = registered.get(add.key);
    // Two live requests may name one key (only its holder can then register it, from its own app):
    // any of their apps will do, and the one that does not match that device's app refuses its registration.
    const expected = device !== undefined ? [device] : [...(requested.get(add.key) ?? [appId])];
    // The message names only what the server decided (never the client's value).
    if (!expected.includes(add.app)) throw new KeyholdError('app_mismatch', `A device.add must name the app its key belongs to ("${expected.join('" or "')}").`);
  }
}

export interface AppendContext {
  readonly pepper: Pepper;
  readonly now: number;
  /** The request's app: what a `device.add` of a key no live device or request to join holds must name. */
  readonly appId: string;
  /**
   * Whether the caller may remove and rotate without the catch-up exception: a fresh passkey
   * session whose passkey the log holds (`undefined`: check `session`), or `true` where the route
   * itself demanded a fresh passkey (lock everywhere).
   */
  readonly session?: Session;
  readonly freshPasskey?: true;
}

const MINUTE_MS = 60_000;

/**
 * Counts one append (a `POST /api/account/log`, or a request carrying its entry, as a PIN recovery
 * registration does) against the account's limit, in the database so it holds across processes;
 * throws `rate_limited` past ACCOUNT_LOG_APPENDS_PER_MINUTE. A runaway or hostile client could
 * otherwise fill the log (`log_full`), after which nothing can be added to the account.
 */
export async function limitLogAppends(store: Store, userId: string, now: number): Promise<void> {
  const [appends = 0] = await countHits(store, [`account-log:${userId}`], MINUTE_MS, now);
  if (appends > ACCOUNT_LOG_APPENDS_PER_MINUTE) {
    throw new KeyholdError('rate_limited', 'Too many changes to the account log; wait a moment.', { retryAfterSeconds: Math.ceil((MINUTE_MS - (now % MINUTE_MS)) / 1000) });
  }
}

/**
 * The append context of a recovery route's set-up request (a PIN registration's finish, a kit's
 * PUT, a TOTP enrolment's finish): an entry it carries is an append like any other, counted
 * against the account log's limit before anything else runs.
 */
export async function setUpAppendContext(store: Store, pepper: Pepper, session: Session, entry: LogEntry | undefined, now: number): Promise<AppendContext> {
  if (entry) await limitLogAppends(store, session.userId, now);
  return { now, pepper, appId: session.appId, session };
}

/**
 * A recovery route set up together with its log entry (a PIN registration's finish, a kit's PUT,
 * a TOTP enrolment's finish), in the caller's user transaction: the entry sent must hold `change`
 * and nothing else (else `log_entry_invalid` with `reason`), and without one the account must keep
 * no log (else `log_entry_required`). Call before writing; append the entry after the writes.
 */
export async function checkSetUpEntry(
  tx: Store,
  pepper: Pepper,
  userId: string,
  entry: LogEntry | undefined,
  change: Extract<LogChange, { op: 'pin-recovery.set' | 'kit.set' | 'totp.add' }>,
  reason: string,
): Promise<void> {
  if (entry) {
    const [only, ...more] = entry.changes;
    if (more.length > 0 || only?.op !== change.op || only.id !== change.id) {
      throw new KeyholdError('log_entry_invalid', `The log entry must name this ${change.op} and nothing else.`, { reason });
    }
    return;
  }
  const head = await readLogHead(tx, pepper, userId);
  if ('problem' in head) throw logInvalid();
  if (head.status === 'logged') throw new KeyholdError('log_entry_required', 'This account keeps a signed log: a recovery route is set up together with its signed entry.');
}

/**
 * Appends `entries` in the caller's user transaction (steps above) and returns the new head.
 * Throws the refusals named there; the caller's transaction then writes nothing.
 */
export async function appendInTransaction(tx: Store, userId: string, entries: readonly LogEntry[], ctx: AppendContext): Promise<{ seq: number; head: string }> {
  const head = await readLogHead(tx, ctx.pepper, userId);
  if ('problem' in head) throw logInvalid();
  if (entries[0]!.seq !== head.row.seq + 1) {
    throw new KeyholdError('log_stale', 'The account log moved on; read it again and sign the entry on top of the newest one.', { seq: head.row.seq, head: head.row.hash });
  }
  if (head.row.seq + entries.length > ACCOUNT_LOG_MAX_ENTRIES) throw new KeyholdError('log_full', `An account log holds at most ${ACCOUNT_LOG_MAX_ENTRIES} entries.`);
  let next;
  try {
    next = applyLogEntries(userId, head.state, entries);
  } catch (error) {
    if (!(error instanceof AccountLogError)) throw error;
    throw new KeyholdError('log_entry_invalid', 'A log entry does not verify.', { reason: error.reason, ...(error.index === undefined ? {} : { index: error.index }) }, { cause: error });
  }
  const changes = entries.flatMap((e) => e.changes);
  await checkDeviceApps(tx, userId, changes, ctx.appId, ctx.now);
  const rotates = entries.some((e) => e.seq > 1 && e.changes.some((c) => c.op === 'identity'));
  const removes = changes.some((c) => c.op.endsWith('.remove'));
  if ((rotates || removes) && !ctx.freshPasskey) {
    const fresh = ctx.session !== undefined && isFreshPasskeySession(ctx.session, ctx.now) && (await sessionPasskeyIsBound(tx, head, ctx.session));
    if (!fresh && (rotates || !(await removalsAlreadyMade(tx, userId, changes)))) {
      throw new KeyholdError('reauth_required', 'Sign in with your passkey again to remove this or to rotate the account key.');
    }
  }
  await insertLogEntries(
    tx,
    entries.map((entry) => ({ user_id: userId, seq: entry.seq, entry: canonicalEntryJson(entry), hash: logEntryHash(userId, entry), created_at: ctx.now })),
  );
  if (!(await replaceLogHead(tx, head.row.mac, sealLogHead(ctx.pepper, userId, 'logged', next, ctx.now)))) throw logInvalid();
  for (const entry of entries) {
    await appendAuditEvent(tx, userId, 'account_log.appended', { seq: entry.seq, changes: entry.changes.map((c) => c.op).join(' ') }, ctx.now);
  }
  return { seq: next.seq, head: next.head };
}

/**
 * One page of the log after `after` (any session of the account may read it). Served as stored even
 * when the head does not verify: clients verify the entries themselves, and a damaged head must
 * not hide what the database holds from them. `seq` and `head` are then the last stored entry's.
 */
export async function readLogPage(store: Store, pepper: Pepper, userId: string, after: number): Promise<AccountLogPageT> {
  const [head, rows] = await Promise.all([readLogHead(store, pepper, userId), listLogEntries(store, userId, after, ACCOUNT_LOG_PAGE_MAX + 1)]);
  const more = rows.length > ACCOUNT_LOG_PAGE_MAX;
  const entries = rows.slice(0, ACCOUNT_LOG_PAGE_MAX).map((r) => JSON.parse(r.entry) as LogEntry);
  if (!('problem' in head)) return { status: head.status, seq: head.row.seq, head: head.row.hash, entries, more };
  const last = await findLastLogEntry(store, userId);
  return { status: last ? 'logged' : 'unlogged', seq: last?.seq ?? 0, head: last?.hash ?? LOG_GENESIS_PREV, entries, more };
}
