import { createHash, timingSafeEqual } from 'node:crypto';
import type { RecoveryKitPutRequestT, RecoveryKitPutT } from '../../protocol/api';
import { decodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { findUserByName } from '../store/accounts';
import { appendAuditEvent } from '../store/audit';
import { deleteRecoveryKit, findRecoveryKit, replaceRecoveryKit } from '../store/recovery-kits';
import type { Store } from '../store/store';
import { appendInTransaction, checkSetUpEntry, type AppendContext } from './account-log';
import { bindingRefusal } from './account-log-head';
import type { Pepper } from './pepper';
import { inUserTransaction } from './user-transaction';

/*
 * The recovery kit, server side (docs/architecture.md "Recovery kit"). The user holds a 128-bit
 * code; the client derives two independent HKDF outputs from it: KEK_kit, which wraps S, and
 * kitAuth, which proves the code. The server keeps the wrap and SHA-256(kitAuth), hands the wrap
 * out only for a kitAuth whose digest matches (constant-time), and could not open it if it tried:
 * unlike the TOTP escrow, this route trusts nobody but the person holding the code.
 */

/** One answer for a wrong code, an unknown username and an account without a kit: none may be told apart. */
const kitInvalid = () => new KeyholdError('kit_invalid', 'That recovery kit does not open this account.');

/** Digest of a kitAuth as the server compares it; the kitAuth itself is never stored or logged. */
const digestOf = (kitAuth: Uint8Array) => createHash('sha256').update(kitAuth).digest();

/**
 * Stores the account's kit (a new one replaces the old, whose code stops working at once). On an
 * account that keeps a signed log the request carries the entry naming the kit (`kit.set` of
 * `authHash`, nothing else), appended in the same transaction: a refused entry leaves the old kit
 * as it was, and the server never holds a kit its log does not name. Throws `log_entry_required`,
 * `log_entry_invalid`, `log_stale`.
 */
export async function putRecoveryKit(store: Store, userId: string, req: RecoveryKitPutRequestT, ctx: AppendContext): Promise<RecoveryKitPutT> {
  const { now } = ctx;
  return inUserTransaction(store, userId, async (tx) => {
    const { logEntry } = req;
    await checkSetUpEntry(tx, ctx.pepper, userId, logEntry, { op: 'kit.set', id: req.authHash }, 'not_this_kit');
    const replaced = await replaceRecoveryKit(tx, { user_id: userId, wrap: req.wrap, auth_hash: req.authHash, created_at: now });
    await appendAuditEvent(tx, userId, 'recovery.kit.created', { replaced }, now);
    if (logEntry) await appendInTransaction(tx, userId, [logEntry], ctx);
    return { createdAt: now, replaced };
  });
}

/**
 * Deletes the kit in the caller's user transaction and audits why. Returns false (and audits
 * nothing) when the account had none.
 */
export async function dropRecoveryKit(tx: Store, userId: string, reason: 'user' | 'lock_everywhere', now: number): Promise<boolean> {
  if (!(await deleteRecoveryKit(tx, userId))) return false;
  await appendAuditEvent(tx, userId, 'recovery.kit.removed', { reason }, now);
  return true;
}

/** The user turns the kit off (the caller checked for a passkey session); `recovery_not_set_up` if there was none. */
export async function removeRecoveryKit(store: Store, userId: string, now: number): Promise<void> {
  await inUserTransaction(store, userId, async (tx) => {
    if (!(await dropRecoveryKit(tx, userId, 'user', now))) throw new KeyholdError('recovery_not_set_up', 'There is no recovery kit.');
  });
}

/** Whether the account has a kit, and since when: for the recovery status. */
export async function recoveryKitStatus(store: Store, userId: string): Promise<{ active: boolean; createdAt: number | null }> {
  const kit = await findRecoveryKit(store, userId);
  return { active: kit !== undefined, createdAt: kit?.created_at ?? null };
}

/**
 * Checks kitAuth against the account's kit under the user's lock and, on a match, runs
 * `onSuccess` (which opens the recovery session) and audits the use in the same transaction.
 * Returns the wrap. Throws `kit_invalid` for every refusal; the caller has counted the attempt
 * against the username's sign-in limit first.
 */
export async function recoverWithKit<T>(
  store: Store,
  req: { username: string; kitAuth: string },
  ctx: { now: number; address: string; pepper: Pepper },
  onSuccess: (tx: Store, userId: string) => Promise<T>,
): Promise<{ userId: string; username: string; wrap: string; createdAt: number; result: T }> {
  const presented = digestOf(decodeBase64Url(req.kitAuth));
  const user = await findUserByName(store, req.username);
  if (!user) {
    // Same work as a real comparison, so an unknown username takes as long as a wrong code.
    timingSafeEqual(presented, digestOf(presented));
    throw kitInvalid();
  }
  const outcome = await inUserTransaction(store, user.id, async (tx) => {
    const kit = await findRecoveryKit(tx, user.id);
    const stored = kit ? decodeBase64Url(kit.auth_hash) : digestOf(presented);
    const matches = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!kit || !matches) throw kitInvalid();
    // The right code for a kit the account's signed log does not hold: a row someone wrote in. Audited there; committed, then refused.
    const refusal = await bindingRefusal(tx, ctx.pepper, user.id, { kind: 'kit', digest: kit.auth_hash }, ctx);
    if (refusal) return { refusal };
    await appendAuditEvent(tx, user.id, 'recovery.kit.used', { address: ctx.address }, ctx.now);
    return { userId: user.id, username: user.username, wrap: kit.wrap, createdAt: kit.created_at, result: await onSuccess(tx, user.id) };
  });
  if ('refusal' in outcome) throw outcome.refusal;
  return outcome;
}
