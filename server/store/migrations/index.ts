import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_initial';
import * as m002 from './002_recovery';
import * as m003 from './003_records';
import * as m004 from './004_audit_anchors';
import * as m005 from './005_recovery_kit';
import * as m006 from './006_device_approvals';
import { accountLogMigration, type AccountLogMigrationDeps } from './007_account_log';
import * as m008 from './008_lock_slots';
import * as m009 from './009_audit_repeats';
import * as m010 from './010_apps';
import { appScopingMigration } from './011_app_scoping';
import { approvalAppMigration } from './012_approval_app';

export type MigrationDeps = AccountLogMigrationDeps;

/**
 * Versioned migrations, applied in name order at start-up. Never edit one that has shipped: add the
 * next. 007 needs the dialect and, on a database with accounts, the pepper (it seals their log heads).
 */
export function migrations(deps: MigrationDeps): Record<string, Migration> {
  return {
    '001_initial': m001,
    '002_recovery': m002,
    '003_records': m003,
    '004_audit_anchors': m004,
    '005_recovery_kit': m005,
    '006_device_approvals': m006,
    '007_account_log': accountLogMigration(deps),
    '008_lock_slots': m008,
    '009_audit_repeats': m009,
    '010_apps': m010,
    '011_app_scoping': appScopingMigration(deps),
    '012_approval_app': approvalAppMigration(deps),
  };
}

export function migrationProvider(deps: MigrationDeps): MigrationProvider {
  return { getMigrations: async () => migrations(deps) };
}
