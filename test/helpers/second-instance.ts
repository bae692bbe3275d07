import { join } from 'node:path';
import { buildApp } from '../../server/app';
import { createPepper } from '../../server/domain/pepper';
import { silentLogger } from '../../server/http/logger';
import { openDatabase } from '../../server/store/database';
import type { TestServer } from './harness';

/**
 * A second key server process in miniature: its own connection (pool) to the same database as
 * `server` — the same SQLite file, or the same PostgreSQL database — and its own app, sharing
 * only the configuration, the pepper and the test's clock. What two instances behind a load
 * balancer share is exactly what this one shares. `close()` closes only this instance's connection.
 */
export function startSecondInstance(server: TestServer): TestServer {
  const database =
    server.dialect === 'sqlite'
      ? openDatabase({ sqliteFile: join(server.config.dataDir, 'keyhold.sqlite') })
      : openDatabase({ postgresUrl: server.databaseUrl!, poolSize: 5 });
  const { store } = database;
  // The same pepper as test/helpers/harness.ts, so decoys agree across instances as they would in production.
  const pepper = createPepper(new Uint8Array(32).fill(7));
  const { app, apps } = buildApp({ store, config: server.config, pepper, log: silentLogger, version: 'test', now: () => server.clock.now });
  return { dialect: server.dialect, databaseUrl: server.databaseUrl, store, config: server.config, clock: server.clock, app, apps, close: () => database.close() };
}

