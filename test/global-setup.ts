// vitest globalSetup: one real PostgreSQL server for the whole test run.
// Tests get its superuser URL via `inject('pgUrl')` and should call
// createTestDatabase(inject('pgUrl')) (test/helpers/postgres.ts) for an isolated db.
// Set KEYHOLD_PG_URL to reuse an existing server instead of starting one.

import type { TestProject } from 'vitest/node';
import { startPostgres } from './helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.KEYHOLD_PG_URL;
  if (external) {
    project.provide('pgUrl', external);
    return undefined;
  }
  const pg = await startPostgres();
  project.provide('pgUrl', pg.url);
  return async () => {
    await pg.stop();
  };
}
