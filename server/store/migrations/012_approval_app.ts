import { sql, type Kysely, type Migration } from 'kysely';
import { DEFAULT_APP_ID } from '../../../protocol/constants';
import type { Dialect } from '../store';

/**
 * The app a request to join asks for (docs/architecture.md "Approval from another device"):
 * `device_approvals.app_id` is the app of the request that made it (its Origin). The approving
 * device signs the new device key's `device.add` for that app, and the account log accepts no
 * other app for a key a live request names, so the approver cannot choose it.
 *
 * Every request that exists when this runs was made by Keyhold: it becomes DEFAULT_APP_ID. As in
 * 011, PostgreSQL drops the column default afterwards, so an insert that forgot its app fails
 * instead of landing in Keyhold's; SQLite keeps it (dropping it needs a rebuild), and the code names
 * the app in every insert all the same.
 */
export function approvalAppMigration(deps: { dialect: Dialect }): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('device_approvals').addColumn('app_id', 'text', (c) => c.notNull().defaultTo(DEFAULT_APP_ID)).execute();
      if (deps.dialect === 'postgres') await sql`alter table device_approvals alter column app_id drop default`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('device_approvals').dropColumn('app_id').execute();
    },
  };
}
