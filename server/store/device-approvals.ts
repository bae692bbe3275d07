import type { DeviceApprovalsTable } from './schema';
import type { Store } from './store';

export type DeviceApprovalRow = DeviceApprovalsTable;

export async function insertDeviceApproval(store: Store, row: DeviceApprovalRow): Promise<void> {
  await store.db.insertInto('device_approvals').values(row).execute();
}

export async function findDeviceApproval(store: Store, id: string): Promise<DeviceApprovalRow | undefined> {
  return store.db.selectFrom('device_approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Requests of `subject` still waiting for an answer at `now`: what the pending cap counts. */
export async function countWaitingApprovals(store: Store, subject: string, now: number): Promise<number> {
  const row = await store.db
    .selectFrom('device_approvals')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('subject', '=', subject)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The account's unexpired, unanswered requests, oldest first. */
export async function listPendingApprovals(store: Store, userId: string, now: number): Promise<DeviceApprovalRow[]> {
  return store.db
    .selectFrom('device_approvals')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
}

/**
 * Moves a request from `from` to the next state with the given columns, only if it is still in
 * `from` and unexpired: a compare-and-set, so two approvers (or two pollers) cannot both win.
 */
export async function advanceApproval(
  store: Store,
  id: string,
  from: DeviceApprovalRow['state'],
  now: number,
  next: Partial<Pick<DeviceApprovalRow, 'state' | 'sealed' | 'approver_public_key' | 'approver_device_id'>>,
): Promise<boolean> {
  const result = await store.db
    .updateTable('device_approvals')
    .set(next)
    .where('id', '=', id)
    .where('state', '=', from)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Drops requests that expired before `before` (the housekeeping sweep in key-server.ts). */
export async function purgeDeviceApprovals(store: Store, before: number): Promise<void> {
  await store.db.deleteFrom('device_approvals').where('expires_at', '<', before).execute();
}
