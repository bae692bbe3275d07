import { loadConfig } from '../config';
import { registerApp, seedConfiguredApps, unregisterApp } from '../domain/app-registration';
import { AppRuleError } from '../domain/apps';
import { openConfiguredDatabase } from '../runtime';
import { listApps } from '../store/apps';
import { migrateToLatest } from '../store/database';
import { runAsCli, type Write } from './run-as-cli';

const USAGE = 'usage: npm run apps -- add <id> <name> <origin>… | list | remove <id>';

/** A command line `npm run apps` refuses; its message is the one line the operator sees. */
export class AppsCommandError extends Error {
  override readonly name = 'AppsCommandError';
}

/**
 * `npm run apps`: the registered apps of the database the server uses (the same DATABASE_URL /
 * DATA_DIR), and the configured ones (APPS or ORIGIN) registered first, as a server start would.
 * - `add <id> <name> <origin>…` registers an app; running servers accept its origins on the first
 *   request from one (a miss reloads their snapshot, docs/operations.md);
 * - `list` prints one line per app: id, name, origins, and `(configured)` for apps APPS/ORIGIN seeds;
 * - `remove <id>` removes an app the configuration does not seed; servers drop it within 30 s.
 * Resolves 0; throws AppsCommandError for a refused command line (exit 2, one line on stderr).
 */
export async function apps(args: readonly string[], env: Record<string, string | undefined>, write: Write, now = Date.now()): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'add' && command !== 'list' && command !== 'remove') throw new AppsCommandError(USAGE);
  if (command === 'list' && rest.length !== 0) throw new AppsCommandError(USAGE);
  if (command === 'remove' && rest.length !== 1) throw new AppsCommandError(USAGE);
  if (command === 'add' && rest.length < 3) throw new AppsCommandError(USAGE);
  const config = loadConfig(env);
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const { store } = database;
    await seedConfiguredApps(store, config.apps, now);
    if (command === 'add') {
      const [id, name, ...origins] = rest as [string, string, ...string[]];
      const added = await registerApp(store, { id, name, origins }, now);
      write(`added ${added.id} (${added.name}): ${added.origins.join(' ')}\n`);
    } else if (command === 'remove') {
      await unregisterApp(store, rest[0]!, config.apps);
      write(`removed ${rest[0]}\n`);
    } else {
      const configured = new Set(config.apps.map((a) => a.id));
      for (const app of await listApps(store)) {
        write(`${app.id}\t${app.name}\t${app.origins.join(' ')}${configured.has(app.id) ? '\t(configured)' : ''}\n`);
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof AppRuleError) throw new AppsCommandError(error.message, { cause: error });
    throw error;
  } finally {
    await database.close();
  }
}

runAsCli(import.meta.url, 'apps', () => apps(process.argv.slice(2), process.env, (text) => process.stdout.write(text)));
