// vitest globalSetup: one real PostgreSQL server for the whole test run.
// Tests get its superuser URL via `inject('pgUrl')` and should call
// createTestDatabase(inject('pgUrl')) (test/helpers/postgres.ts) for an isolated db.
// Set KEYHOLD_PG_URL to reuse an existing server instead of starting one.
//
// It also migrates one database to the latest schema, `inject('pgTemplate')`: the test key server
// (test/helpers/harness.ts) starts on a copy of it instead of running every migration again.

import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../server/store/database';
import { createMigratedTemplate, startPostgres } from './helpers/postgres.js';
import { sweepStaleScratchDirs } from './helpers/scratch-dir.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgTemplate: string;
  }
}

async function migrate(url: string): Promise<void> {
  const database = openDatabase({ postgresUrl: url, poolSize: 1 });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  sweepStaleScratchDirs();
  const external = process.env.KEYHOLD_PG_URL;
  const pg = external ? undefined : await startPostgres();
  const url = external ?? pg!.url;
  const template = await createMigratedTemplate(url, migrate);
  project.provide('pgUrl', url);
  project.provide('pgTemplate', template.name);
  return async () => {
    await template.drop();
    await pg?.stop();
  };
}
