import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from './config';
import { openDatabase, type Database } from './store/database';

/** The package version, reported by /api/health and the OpenAPI document. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else the SQLite file in the data directory. */
export function openConfiguredDatabase(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>): Database {
  return config.databaseUrl
    ? openDatabase({ postgresUrl: config.databaseUrl })
    : openDatabase({ sqliteFile: join(config.dataDir, 'keyhold.sqlite') });
}
