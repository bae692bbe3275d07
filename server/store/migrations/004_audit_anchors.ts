import type { Kysely } from 'kysely';

/**
 * Audit-log retention. `npm run purge` deletes the oldest entries of a chain and keeps,
 * per user, the seq and hash of the last entry it deleted: `audit:verify` then starts the chain
 * from that anchor instead of the genesis hash (server/store/audit-chain.ts `verifyChain`).
 * Written under the user's lock in the same transaction as the deletion; no foreign key, like
 * `audit_log` itself; an erasure deletes it with the chain (store/audit.ts `eraseAuditChain`).
 *
 * The index on `at` lets the purge find the chains holding old entries without reading the rest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_anchors')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('purged_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_log_at').execute();
  await db.schema.dropTable('audit_anchors').execute();
}
