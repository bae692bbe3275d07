import { timingSafeEqual } from 'node:crypto';
import { EMPTY_LOG_STATE, LOG_GENESIS_PREV, deviceKeyToLogKey, parseLogState, serializeLogState, type AccountLogState } from '../../protocol/account-log';
import { decodeBase64Url } from '../../protocol/base64url';
import { ACCOUNT_LOG_HEAD_MAC_CONTEXT } from '../../protocol/constants';
import { KeyholdError } from '../errors';
import { findLogHeadAndLastEntry, type AccountLogHeadRow } from '../store/account-log';
import { appendAuditEvent } from '../store/audit';
import type { DeviceRow } from '../store/devices';
import { migrateToLatest } from '../store/database';
import type { AccountLogStatus, Db } from '../store/schema';
import type { Store } from '../store/store';
import type { Pepper } from './pepper';
import { inUserTransaction } from './user-transaction';

/*
 * The account log's sealed head (docs/architecture.md "Signed account log"). The log itself is
 * verified entry by entry when it is appended to (account-log.ts); what that verification
 * concluded — status, seq, hash of the last entry, and the state (who may act) — is kept in one
 * row per account with a MAC under the pepper:
 *
 *   mac = keyId ‖ "." ‖ HMAC-SHA-256(HMAC(pepper, "keyhold/log-head/v1"),
 *                                    lp(userId) ‖ lp(status) ‖ u64be(seq) ‖ lp(hash) ‖ lp(state))
 *
 * so a sign-in costs a lookup of that row and of the last entry's seq and hash, and one HMAC; never
 * a walk of the chain. Someone who can write the database but does not hold the pepper can neither
 * make a head (for a new credential, a moved one, a dropped removal) nor move one to another
 * account (the user id is inside); a head that is missing, does not verify, or disagrees with the
 * last stored entry is tampering, and the account's sign-ins and recoveries stop (`account_log_invalid`)
 * rather than fall back to "unlogged". What a MAC cannot stop is the whole pair — an older head and
 * the entries it covered — restored from a backup: clients that saw a newer head catch that.
 */

export interface VerifiedHead {
  readonly row: AccountLogHeadRow;
  readonly status: AccountLogStatus;
  readonly state: AccountLogState;
}

export type HeadProblem = 'missing' | 'mac' | 'rows' | 'state';

const utf8 = new TextEncoder();

function lp(bytes: Uint8Array): Uint8Array[] {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, bytes.length);
  return [length, bytes];
}

/** The bytes the head's MAC covers (see above). */
export function headMacInput(head: Pick<AccountLogHeadRow, 'user_id' | 'status' | 'seq' | 'hash' | 'state'>): Uint8Array {
  const seq = new Uint8Array(8);
  new DataView(seq.buffer).setBigUint64(0, BigInt(head.seq));
  return Buffer.concat([...lp(utf8.encode(head.user_id)), ...lp(utf8.encode(head.status)), seq, ...lp(utf8.encode(head.hash)), ...lp(utf8.encode(head.state))]);
}

/** The head row for `state`, sealed under the current pepper. */
export function sealLogHead(pepper: Pepper, userId: string, status: AccountLogStatus, state: AccountLogState, now: number): AccountLogHeadRow {
  const unsealed = { user_id: userId, status, seq: state.seq, hash: state.head, state: serializeLogState(state) };
  return { ...unsealed, mac: pepper.mac(ACCOUNT_LOG_HEAD_MAC_CONTEXT, headMacInput(unsealed)), updated_at: now };
}

/** The head of an account with no log yet: every new account's, and each pre-007 account's. */
export function unloggedHead(pepper: Pepper, userId: string, now: number): AccountLogHeadRow {
  return sealLogHead(pepper, userId, 'unlogged', EMPTY_LOG_STATE, now);
}

/** `migrateToLatest` for a process holding the pepper: 007 seals an `unlogged` head for every account it finds. */
export function migrateWithPepper(db: Db, pepper: Pepper): Promise<void> {
  return migrateToLatest(db, { sealUnloggedHead: (userId, now) => unloggedHead(pepper, userId, now) });
}

/** Reads and checks an account's head (lookup + MAC + agreement with the last entry); a problem is tampering. */
export async function readLogHead(store: Store, pepper: Pepper, userId: string): Promise<VerifiedHead | { problem: HeadProblem }> {
  const found = await findLogHeadAndLastEntry(store, userId);
  if (!found) return { problem: 'missing' };
  const row = found.head;
  if (!pepper.verifyMac(ACCOUNT_LOG_HEAD_MAC_CONTEXT, headMacInput(row), row.mac)) return { problem: 'mac' };
  const last = found.last ?? { seq: 0, hash: LOG_GENESIS_PREV };
  if (last.seq !== row.seq || last.hash !== row.hash) return { problem: 'rows' };
  let state: AccountLogState;
  try {
    state = parseLogState(row.state);
  } catch {
    return { problem: 'state' }; // only a server bug could MAC this
  }
  if (state.seq !== row.seq || state.head !== row.hash || (row.status === 'unlogged') !== (row.seq === 0)) return { problem: 'state' };
  return { row, status: row.status, state };
}

export const logInvalid = () => new KeyholdError('account_log_invalid', 'This account\'s sign-in record on the server is damaged; sign-in is refused until its operator restores it.');

/** A credential as the account log names it, for the check at sign-in and recovery. */
export type LoggedCredential =
  | { kind: 'passkey'; id: string; publicKey: string }
  /** `app`: the app the device key must belong to (the request's: a key logged for another app does not sign in here). */
  | { kind: 'device'; key: string; app: string }
  | { kind: 'totp'; id: string }
  | { kind: 'kit'; digest: string }
  | { kind: 'pin-recovery'; digest: string };

/** A device row's key as the log names it (the raw P-256 point), or '' — which no log holds — when the stored JWK is not a P-256 key. */
export function logKeyOf(device: Pick<DeviceRow, 'public_key_jwk'>): string {
  try {
    return deviceKeyToLogKey(JSON.parse(device.public_key_jwk) as { x: string; y: string });
  } catch {
    return '';
  }
}

/** Equal base64url values, compared as bytes in constant time (a non-canonical spelling is not a different value). */
function sameBytes(a: string | null | undefined, b: string): boolean {
  if (a === null || a === undefined) return false;
  try {
    const x = decodeBase64Url(a);
    const y = decodeBase64Url(b);
    return x.length === y.length && timingSafeEqual(x, y);
  } catch {
    return false;
  }
}

/** Whether the verified state holds `credential` as active. */
export function isBound(state: AccountLogState, credential: LoggedCredential): boolean {
  switch (credential.kind) {
    case 'passkey':
      return Object.hasOwn(state.passkeys, credential.id) && sameBytes(state.passkeys[credential.id]!.key, credential.publicKey);
    case 'device':
      return Object.hasOwn(state.devices, credential.key) && state.devices[credential.key]!.app === credential.app;
    case 'totp':
      return sameBytes(state.totp, credential.id);
    case 'kit':
      return sameBytes(state.kit, credential.digest);
    case 'pin-recovery':
      return sameBytes(state.pinRecovery, credential.digest);
  }
}

/**
 * In the caller's user transaction: null when `userId` may use `credential` (an `unlogged` account,
 * or a logged one whose verified log holds it), else the refusal to throw once the transaction has
 * committed — audited here as `signin.refused_unbound {kind}` or `account_log.invalid {problem}`.
 */
export async function bindingRefusal(
  tx: Store,
  pepper: Pepper,
  userId: string,
  credential: LoggedCredential,
  ctx: { now: number; address?: string; refusal?: () => KeyholdError },
): Promise<KeyholdError | null> {
  const head = await readLogHead(tx, pepper, userId);
  const where: Record<string, string> = ctx.address === undefined ? {} : { address: ctx.address };
  if ('problem' in head) {
    await appendAuditEvent(tx, userId, 'account_log.invalid', { problem: head.problem, kind: credential.kind, ...where }, ctx.now);
    return logInvalid();
  }
  if (head.status === 'unlogged' || isBound(head.state, credential)) return null;
  await appendAuditEvent(tx, userId, 'signin.refused_unbound', { kind: credential.kind, ...where }, ctx.now);
  return ctx.refusal?.() ?? new KeyholdError('credential_unbound', 'Sign-in failed: this credential is not in the account\'s signed log.');
}

/**
 * Runs `work` in one user transaction after `bindingRefusal`; a refusal's audit entry commits and
 * then the refusal is thrown.
 */
export async function withBoundCredential<T>(
  store: Store,
  pepper: Pepper,
  userId: string,
  credential: LoggedCredential,
  ctx: { now: number; address?: string },
  work: (tx: Store) => Promise<T>,
): Promise<T> {
  const outcome = await inUserTransaction(store, userId, async (tx): Promise<{ refusal: KeyholdError } | { value: T }> => {
    const refusal = await bindingRefusal(tx, pepper, userId, credential, ctx);
    return refusal ? { refusal } : { value: await work(tx) };
  });
  if ('refusal' in outcome) throw outcome.refusal;
  return outcome.value;
}
