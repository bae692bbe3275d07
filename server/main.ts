import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { loadPepper } from './domain/pepper';
import { createLogger } from './http/logger';
import { openConfiguredDatabase, packageVersion } from './runtime';
import { purgeExpiredChallenges } from './store/challenges';
import { migrateToLatest } from './store/database';
import { purgeRateLimits } from './store/rate-limits';
import { purgeExpiredSessions } from './store/sessions';
import type { Store } from './store/store';

const log = createLogger();

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { pepper, generated } = loadPepper(config.pepper, join(config.dataDir, 'pepper'));
  if (generated) {
    log.warn('pepper_generated', { file: join(config.dataDir, 'pepper'), advice: 'back this file up apart from the database, or set PEPPER' });
  }
  const database = openConfiguredDatabase(config);
  await migrateToLatest(database.db);
  const store: Store = { db: database.db, dialect: database.dialect };
  const { app } = buildApp({ store, config, pepper, log, version: packageVersion(), now: Date.now });

  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const server = serve(
    { fetch: app.fetch, port: config.port, hostname: config.host, ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}) },
    (info) => log.info('listening', { port: info.port, https: Boolean(tls), origin: config.origin, database: database.dialect }),
  );

  // Housekeeping: expired challenges, sessions and rate-limit windows.
  const policy = { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs };
  const sweep = setInterval(() => {
    const now = Date.now();
    Promise.all([purgeExpiredChallenges(store, now), purgeExpiredSessions(store, policy, now), purgeRateLimits(store, now - 10 * 60_000)]).catch((error: Error) =>
      log.error('sweep_failed', { error: error.name }),
    );
  }, 60_000);
  sweep.unref();

  const shutdown = (signal: string) => {
    log.info('shutting_down', { signal });
    clearInterval(sweep);
    server.close(() => {
      database.close().finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`keyhold: ${error.message}\n`);
  } else {
    process.stderr.write(`keyhold: start-up failed: ${(error as Error).message}\n`);
  }
  process.exit(1);
});
