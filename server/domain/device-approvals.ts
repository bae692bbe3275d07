import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEVICE_APPROVAL_MAX_PENDING, DEVICE_APPROVAL_SECRET_BYTES, DEVICE_APPROVAL_TTL_MS } from '../../protocol/constants';
import type { AppRefT, DeviceApprovalRequestedT, DevicePublicKeyT, PendingApprovalT, SealedApprovalT } from '../../protocol/api';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { findUserByName } from '../store/accounts';
import { appendAuditEvent } from '../store/audit';
import { advanceApproval, countWaitingApprovals, findDeviceApproval, insertDeviceApproval, listPendingApprovals, type DeviceApprovalRow } from '../store/device-approvals';
import { inTransaction, lockUser, type Store } from '../store/store';
import type { Pepper } from './pepper';
import { inUserTransaction } from './user-transaction';

/*
 * Approving a new device from one already in the account (docs/architecture.md "Approval from
 * another device"), server side. The server is a relay with a clock: it stores the requester's
 * ephemeral public key, shows it to the account's signed-in devices, stores what one of them
 * seals to it, and hands that back once to whoever holds the polling secret. It never holds a key
 * that opens the sealed answer; what it could do is swap the requester's public key, which the
 * fingerprint phrase both devices show is there to catch.
 *
 * The signed account log: the new device sends the signing key it will register (`deviceKey`), the
 * approving device signs that key's `device.add` and appends it (POST /api/account/log) when it
 * approves; the new device registers the same key with the recovery session `collect` opens.
 */

const notFound = () => new KeyholdError('not_found', 'No such device approval request.');
const expired = () => new KeyholdError('approval_expired', 'This request to join expired; ask again from the new device.');

/** SHA-256 of a polling secret: what the row keeps and what a poll is compared against. */
const digestOf = (secret: Uint8Array) => createHash('sha256').update(secret).digest();

/** Whose request a username names: the account, or a decoy keyed by a pepper digest of the name. */
function subjectOf(pepper: Pepper, username: string, userId: string | null): string {
  return userId ?? `decoy:${encodeBase64Url(pepper.derive('decoy-device-approval-subject', username))}`;
}

/** Runs `work` under the subject's lock: the user's (with the account-exists check) or the decoy's. */
function inSubjectTransaction<T>(store: Store, row: { user_id: string | null; subject: string }, work: (tx: Store) => Promise<T>): Promise<T> {
  if (row.user_id !== null) return inUserTransaction(store, row.user_id, work);
  return inTransaction(store, async (tx) => {
    await lockUser(tx, row.subject);
    return work(tx);
  });
}

/**
 * Stores a request to join `username`'s account and returns its id and polling secret. An unknown
 * username is answered the same way (its request can never be approved). Refuses with
 * `rate_limited` once the subject has DEVICE_APPROVAL_MAX_PENDING unanswered requests; the caller
 * counted the attempt against the username and address first. Never log the secret.
 */
export async function requestDeviceApproval(
  store: Store,
  pepper: Pepper,
  req: { username: string; publicKey: string; deviceName: string; deviceKey?: DevicePublicKeyT | undefined },
  ctx: { now: number; address: string; appId: string },
): Promise<DeviceApprovalRequestedT> {
  const user = await findUserByName(store, req.username);
  const userId = user?.id ?? null;
  const subject = subjectOf(pepper, req.username, userId);
  const secret = randomBytes(DEVICE_APPROVAL_SECRET_BYTES);
  const row: DeviceApprovalRow = {
    id: encodeBase64Url(randomBytes(16)),
    user_id: userId,
    subject,
    public_key: req.publicKey,
    device_name: req.deviceName,
    secret_hash: encodeBase64Url(digestOf(secret)),
    created_at: ctx.now,
    expires_at: ctx.now + DEVICE_APPROVAL_TTL_MS,
    state: 'pending',
    sealed: null,
    approver_public_key: null,
    approver_device_id: null,
    // Only the fields a device key has (as devices.public_key_jwk keeps them): what the approver signs `device.add` for.
    device_key: req.deviceKey ? JSON.stringify({ kty: 'EC', crv: 'P-256', x: req.deviceKey.x, y: req.deviceKey.y }) : null,
    // The app the new device asks from: its key is logged and registered for this app, whoever approves.
    app_id: ctx.appId,
  };
  await inSubjectTransaction(store, row, async (tx) => {
    if ((await countWaitingApprovals(tx, subject, ctx.now)) >= DEVICE_APPROVAL_MAX_PENDING) {
      throw new KeyholdError('rate_limited', 'Too many requests to join this account are waiting; answer or let them expire first.', {
        retryAfterSeconds: Math.ceil(DEVICE_APPROVAL_TTL_MS / 1000),
      });
    }
    await insertDeviceApproval(tx, row);
    if (userId) await appendAuditEvent(tx, userId, 'device_approval.requested', { requestId: row.id, address: ctx.address }, ctx.now);
  });
  return { id: row.id, secret: encodeBase64Url(secret), expiresAt: row.expires_at };
}

/**
 * The account's unanswered, unexpired requests, for its signed-in devices to show, each with the
 * app it asks for (`describeApp`: its display name, null once unregistered).
 */
export async function pendingDeviceApprovals(store: Store, userId: string, now: number, describeApp: (id: string) => Promise<AppRefT>): Promise<PendingApprovalT[]> {
  const rows = await listPendingApprovals(store, userId, now);
  return Promise.all(rows.map(async (r) => ({ id: r.id, publicKey: r.public_key, deviceName: r.device_name,
    deviceKey: r.device_key === null ? null : (JSON.parse(r.device_key) as DevicePublicKeyT),
    app: await describeApp(r.app_id),
    createdAt: r.created_at, expiresAt: r.expires_at })));
}

/** A request of this account still waiting for an answer, or the error a client should see. */
async function waitingRequest(tx: Store, userId: string, id: string, now: number): Promise<DeviceApprovalRow> {
  const row = await findDeviceApproval(tx, id);
  if (!row || row.user_id !== userId) throw notFound();
  if (row.expires_at <= now) throw expired();
  if (row.state !== 'pending') throw new KeyholdError('not_found', 'This request was already answered.');
  return row;
}

/**
 * Stores the approver's sealed answer (S sealed to the requester's key; the server cannot open it)
 * and audits the approval. Throws `not_found` (unknown, another account's, already answered) or
 * `approval_expired`.
 */
export async function approveDevice(store: Store, who: { userId: string; deviceId: string | null }, id: string, sealed: SealedApprovalT, now: number): Promise<void> {
  await inUserTransaction(store, who.userId, async (tx) => {
    await waitingRequest(tx, who.userId, id, now);
    await advanceApproval(tx, id, 'pending', now, { state: 'approved', sealed: sealed.ciphertext, approver_public_key: sealed.publicKey, approver_device_id: who.deviceId });
    await appendAuditEvent(tx, who.userId, 'device_approval.approved', { requestId: id, deviceId: who.deviceId }, now);
  });
}

/** Refuses a request; its requester hears `denied` at its next poll. Same errors as `approveDevice`. */
export async function denyDevice(store: Store, userId: string, id: string, now: number): Promise<void> {
  await inUserTransaction(store, userId, async (tx) => {
    await waitingRequest(tx, userId, id, now);
    await advanceApproval(tx, id, 'pending', now, { state: 'denied' });
    await appendAuditEvent(tx, userId, 'device_approval.denied', { requestId: id }, now);
  });
}

/**
 * The requester asks where its request stands, proving it is the requester with the polling
 * secret (compared by digest, in constant time). An approved answer is handed out exactly once:
 * the request becomes `collected` and `onCollect` (which opens the recovery session) runs in the
 * same transaction. Throws `not_found` (unknown id, wrong secret, or a poll from another app than
 * the one that asked: one answer for all) or `approval_expired`.
 */
export async function pollDeviceApproval<S>(
  store: Store,
  req: { id: string; secret: string },
  ctx: { now: number; address: string; appId: string },
  onCollect: (tx: Store, userId: string) => Promise<S>,
): Promise<{ state: 'pending' | 'denied' | 'collected' } | { state: 'approved'; sealed: SealedApprovalT; result: S }> {
  const presented = digestOf(decodeBase64Url(req.secret));
  const row = await findDeviceApproval(store, req.id);
  const stored = row ? decodeBase64Url(row.secret_hash) : digestOf(presented);
  const matches = stored.length === presented.length && timingSafeEqual(stored, presented);
  // Only the app that asked collects: its answer opens a session of the polling request's app, and
  // the approver signed the new device in for the app the request was stored with.
  if (!row || !matches || row.app_id !== ctx.appId) throw notFound();
  if (row.state === 'denied' || row.state === 'collected') return { state: row.state };
  if (row.expires_at <= ctx.now) throw expired();
  if (row.state === 'pending' || row.user_id === null) return { state: 'pending' };
  const userId = row.user_id;
  return inUserTransaction(store, userId, async (tx) => {
    // Two polls racing for one answer: only the one that moves it to `collected` gets it.
    // The sealed answer leaves the table with it: nothing of it stays behind for a later reader of the database.
    if (!(await advanceApproval(tx, row.id, 'approved', ctx.now, { state: 'collected', sealed: null, approver_public_key: null }))) return { state: 'collected' as const };
    await appendAuditEvent(tx, userId, 'device_approval.collected', { requestId: row.id, address: ctx.address }, ctx.now);
    const sealed = { publicKey: row.approver_public_key!, ciphertext: row.sealed! };
    return { state: 'approved' as const, sealed, result: await onCollect(tx, userId) };
  });
}
