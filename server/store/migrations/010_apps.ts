import type { Kysely } from 'kysely';

/**
 * The apps of the ecosystem one key server serves (docs/architecture.md "Apps and origins"): each
 * app has an id, a display name, and the origins its pages run on. An origin is the primary key of
 * `app_origins`, so the database itself guarantees that an Origin header names at most one app,
 * whichever server process or operator command registered it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('apps')
    /** A short lowercase slug (APP_ID_PATTERN), the id device keys and records are scoped by. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('app_origins')
    /** scheme://host[:port], as browsers send it in the Origin header. */
    .addColumn('origin', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('app_origins_app').on('app_origins').column('app_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('app_origins').execute();
  await db.schema.dropTable('apps').execute();
}
