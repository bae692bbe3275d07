import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import type { ServerType } from '@hono/node-server';
import type { ServerConfig } from './config';
import { evaluateOnEventLoop, startOprfPool, type OprfEvaluator } from './domain/oprf-pool';
import { openDatabase, type Database } from './store/database';

/** The package version, reported by /api/health and the OpenAPI document. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Opens the configured database: PostgreSQL (with the configured pool) when DATABASE_URL is set, else the SQLite file in the data directory. */
export function openConfiguredDatabase(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir' | 'databasePool'>, onConnectionLost?: (error: Error) => void): Database {
  return config.databaseUrl
    ? openDatabase({
        postgresUrl: config.databaseUrl,
        poolSize: config.databasePool.max,
        idleTimeoutMs: config.databasePool.idleTimeoutMs,
        connectionTimeoutMs: config.databasePool.connectionTimeoutMs,
        ...(onConnectionLost ? { onConnectionLost } : {}),
      })
    : openDatabase({ sqliteFile: join(config.dataDir, 'keyhold.sqlite') });
}

/**
 * Starts the worker threads PIN-recovery evaluations run on (domain/oprf-pool.ts): OPRF_THREADS of
 * them, by default one per core this process may use; `stopGracefully` closes them after the last
 * request. OPRF_THREADS=0 evaluates on the event loop.
 */
export function startOprfWorkers(config: Pick<ServerConfig, 'oprfThreads'>): OprfEvaluator {
  return config.oprfThreads === 0 ? evaluateOnEventLoop : startOprfPool(config.oprfThreads);
}

/** How long a shutdown lets requests in flight finish before it cuts their connections. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** How often a shutdown looks for connections it can close (a connection must stay quiet this long). */
const QUIET_SWEEP_MS = 100;

export interface ConnectionTracker {
  /**
   * Closes every connection that has no request in progress and received nothing since the
   * previous call: a keep-alive connection between requests, or one a browser opened ahead of
   * time (preconnect) and never used — which Node's own closeIdleConnections leaves open.
   */
  closeQuiet(): void;
}

/** Follows a server's connections from the start, so a shutdown can tell one carrying a request from one merely open. */
export function trackConnections(server: ServerType): ConnectionTracker {
  const http1 = server as Server;
  const open = new Map<Socket, { active: number; bytesRead: number }>();
  // HTTPS: the HTTP layer sees the TLS socket, which exists once the handshake is done.
  http1.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    open.set(socket, { active: 0, bytesRead: -1 });
    socket.once('close', () => open.delete(socket));
  });
  http1.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = open.get(req.socket);
    if (!state) return;
    state.active++;
    res.once('close', () => state.active--);
  });
  return {
    closeQuiet() {
      for (const [socket, state] of open) {
        if (state.active === 0 && socket.bytesRead === state.bytesRead) socket.destroy();
        else state.bytesRead = socket.bytesRead;
      }
    },
  };
}

/**
 * Stops a listening server for SIGTERM/SIGINT: the listening socket closes at once (new
 * connections are refused), requests in flight run to completion, connections with no request in
 * progress are closed as soon as they are quiet, and whatever is still open after `graceMs` is
 * cut. Only then are the OPRF worker threads and the database closed (pool ended, SQLite file
 * closed), so no request loses them mid-way. Returns whether everything finished within the grace
 * and how long it took.
 */
export async function stopGracefully(
  server: ServerType,
  connections: ConnectionTracker,
  database: Pick<Database, 'close'>,
  graceMs = SHUTDOWN_GRACE_MS,
  oprf?: Pick<OprfEvaluator, 'close'>,
): Promise<{ drained: boolean; ms: number }> {
  const started = Date.now();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  connections.closeQuiet();
  const sweep = setInterval(() => connections.closeQuiet(), QUIET_SWEEP_MS);
  let graceTimer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => {
      graceTimer = setTimeout(() => resolve(false), graceMs);
    }),
  ]);
  clearInterval(sweep);
  clearTimeout(graceTimer);
  if (!drained) {
    (server as Server).closeAllConnections?.();
    await closed;
  }
  await oprf?.close();
  await database.close();
  return { drained, ms: Date.now() - started };
}
