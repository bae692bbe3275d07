import type { Kysely } from 'kysely';

/**
 * Repeated refusals, counted outside the audit hash chain (store/audit.ts
 * `appendRepeatableAuditEvent`): one row per chain entry that opened a window of a repeated event
 * (its `seq`), with how many times the event happened in that window. A burst of refused requests
 * adds one chain entry and one row per window, and otherwise updates the window's row in place;
 * the chain itself is never rewritten, so `audit:verify` checks it as before. Rows go with their
 * entries (retention purge, erasure).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_repeats')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_repeats_pk', ['user_id', 'kind', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_repeats').execute();
}
