import { deleteApp, findAppOfOrigin, insertApp, insertAppIfAbsent, addAppOrigin, listApps } from '../store/apps';
import { inTransaction, isUniqueViolation, type Store } from '../store/store';
import { AppRuleError, checkApps, type RegisteredApp } from './apps';

/**
 * Registers a new app (`npm run apps -- add`). Refuses, with an AppRuleError naming the conflict,
 * an id already registered or an origin another app lists; the table's primary keys settle a race
 * with another process registering at the same moment.
 */
export async function registerApp(store: Store, app: RegisteredApp, now: number): Promise<RegisteredApp> {
  const [checked] = checkApps([app]) as [RegisteredApp];
  try {
    await inTransaction(store, async (tx) => {
      if ((await listApps(tx)).some((a) => a.id === checked.id)) throw new AppRuleError(`app "${checked.id}" is already registered`);
      for (const origin of checked.origins) {
        const owner = await findAppOfOrigin(tx, origin);
        if (owner !== undefined) throw new AppRuleError(`origin ${origin} is already registered for app "${owner}"`);
      }
      await insertApp(tx, checked, now);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppRuleError(`app "${checked.id}" or one of its origins was registered meanwhile; run list and try again`);
    throw error;
  }
  return checked;
}

/**
 * Removes an app and its origins (`npm run apps -- remove`). An app the configuration seeds is
 * refused: the next server start would register it again, and removing the default app would
 * lock the key server's own PWA out of its API.
 */
export async function unregisterApp(store: Store, id: string, configured: readonly RegisteredApp[]): Promise<void> {
  if (configured[0]?.id === id) throw new AppRuleError(`app "${id}" is the default app (the key server's own PWA) and cannot be removed`);
  if (configured.some((a) => a.id === id)) throw new AppRuleError(`app "${id}" comes from the APPS setting; remove it there first`);
  const removed = await inTransaction(store, (tx) => deleteApp(tx, id));
  if (!removed) throw new AppRuleError(`no app "${id}" is registered`);
}

/**
 * Makes sure every configured app (APPS, or ORIGIN as the default app) is registered with its
 * origins: missing apps and origins are added, nothing is removed or renamed (the operator command
 * owns changes). Safe in several processes at once. Throws AppRuleError when a configured origin is
 * registered for another app, which the operator must resolve.
 */
export async function seedConfiguredApps(store: Store, configured: readonly RegisteredApp[], now: number): Promise<void> {
  // One transaction: a conflict leaves no half-registered app behind.
  await inTransaction(store, async (tx) => {
    for (const app of configured) {
      await insertAppIfAbsent(tx, app, now);
      for (const origin of app.origins) {
        if (await addAppOrigin(tx, app.id, origin)) continue;
        const owner = await findAppOfOrigin(tx, origin);
        if (owner !== app.id) throw new AppRuleError(`origin ${origin} of configured app "${app.id}" is registered for app "${owner}"`);
      }
    }
  });
}
