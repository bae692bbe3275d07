import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { buildApp } from './app';
import { ConfigError, loadConfig } from './config';
import { migrateWithPepper } from './domain/account-log-head';
import type { OprfEvaluator } from './domain/oprf-pool';
import { loadPepper } from './domain/pepper';
import { shedLoad, watchEventLoopLag } from './http/load-shed';
import { batchLines, createLogger } from './http/logger';
import { openConfiguredDatabase, packageVersion, SHUTDOWN_GRACE_MS, startOprfWorkers, stopGracefully, trackConnections } from './runtime';
import { purgeExpiredChallenges } from './store/challenges';
import { purgeDeviceApprovals } from './store/device-approvals';
import { purgeRateLimits } from './store/rate-limits';
import { purgeExpiredSessions } from './store/sessions';

// Request lines of one event-loop turn go out in one write; whatever is pending when the process
// exits (process.exit after a graceful stop, a start-up failure, an uncaught exception) still does.
const logLines = batchLines((chunk) => process.stdout.write(chunk));
process.on('exit', logLines.flush);
const log = createLogger(logLines.write);

/** Options a benchmark's own entry may set; `npm start` sets none. */
export interface KeyServerOptions {
  /** Where PIN-recovery evaluations run, in place of the worker pool OPRF_THREADS configures. */
  oprf?: OprfEvaluator;
}

/**
 * Runs the key server as a process until SIGTERM or SIGINT: configuration from the environment,
 * the database migrated, the app listening, housekeeping, a graceful stop. Exits the process with
 * status 1 when it cannot start.
 */
export function runKeyServer(options: KeyServerOptions = {}): void {
  start(options).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`keyhold: ${error.message}\n`);
    } else {
      process.stderr.write(`keyhold: start-up failed: ${(error as Error).message}\n`);
    }
    process.exit(1);
  });
}

async function start(options: KeyServerOptions): Promise<void> {
  const config = loadConfig(process.env);
  const { pepper, generated } = loadPepper(config, config.dataDir);
  if (pepper.keyIds.length > 1) log.info('pepper_rotation', { sealsWith: pepper.keyId, opensAlso: pepper.keyIds.slice(1).join(',') });
  if (generated) {
    log.warn('pepper_generated', { file: join(config.dataDir, 'pepper'), advice: 'back this file up apart from the database, or set PEPPER' });
  }
  const database = openConfiguredDatabase(config, (error) => log.warn('database_connection_lost', { error: (error as { code?: string }).code ?? error.name }));
  // 007 seals the log head of every account that predates the log, with this process's pepper.
  await migrateWithPepper(database.db, pepper);
  const { store } = database;
  const oprf = options.oprf ?? startOprfWorkers(config);
  const { app, apps } = buildApp({ store, config, pepper, log, version: packageVersion(), now: Date.now, oprf });
  // Registers the configured apps (APPS or ORIGIN) now, so a conflict stops the start, not a request.
  await apps.refresh();
  const loopLag = watchEventLoopLag();

  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  // Load shedding wraps the adapter's request listener: a refusal never reaches the app (http/load-shed.ts).
  const shedding = { log, lag: loopLag };
  const createServer = ((options: ServerOptions, listener: RequestListener) =>
    tls ? createHttpsServer(options, shedLoad(listener, config.loadShed, shedding)) : createHttpServer(options, shedLoad(listener, config.loadShed, shedding))) as typeof createHttpsServer;
  const server = serve(
    { fetch: app.fetch, port: config.port, hostname: config.host, createServer, serverOptions: tls ?? {} },
    (info) => log.info('listening', { port: info.port, https: Boolean(tls), origin: config.origin, database: database.dialect }),
  );
  const connections = trackConnections(server);

  // Housekeeping: expired challenges, sessions, rate-limit windows, and device approvals an hour
  // past expiry (until then a late poll still hears `approval_expired` rather than `not_found`).
  const policy = { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs };
  const sweep = setInterval(() => {
    const now = Date.now();
    Promise.all([purgeExpiredChallenges(store, now), purgeExpiredSessions(store, policy, now), purgeRateLimits(store, now - 10 * 60_000), purgeDeviceApprovals(store, now - 60 * 60_000)]).catch((error: Error) =>
      log.error('sweep_failed', { error: error.name }),
    );
  }, 60_000);
  sweep.unref();

  // Graceful stop (runtime.ts): refuse new connections, let requests in flight finish (bounded),
  // then close the database; exit 0 with one log line, or 1 if a request had to be cut off.
  // A second signal while stopping (Ctrl-C twice) exits at once.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(sweep);
    loopLag.stop();
    stopGracefully(server, connections, database, SHUTDOWN_GRACE_MS, oprf).then(
      ({ drained, ms }) => {
        log.info('stopped', { signal, ms, drained });
        process.exit(drained ? 0 : 1);
      },
      (error: Error) => {
        log.error('stop_failed', { signal, error: error.name });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
