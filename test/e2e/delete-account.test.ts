import { readFile } from 'node:fs/promises';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { controlledByServiceWorker } from './background-sync';
import { addVirtualAuthenticator, axeViolations, onboardInPage, openPhone, openSettings, setOffline } from './browser';
import { screenshot, startJourneyRig } from './journeys';

const PIN = '482915';
const SECRET = 'correct horse battery staple';

const rig = startJourneyRig();
let accounts = 0;

interface Phone {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly authenticator: Awaited<ReturnType<typeof addVirtualAuthenticator>>;
}

/**
 * Each journey on a phone of its own (passkey with PRF, fresh account), closed after it. It must
 * end without a script error or CSP violation; a 4xx the app expects, and a request that failed
 * while the journey had taken the network away, are not errors of the app.
 */
const it = test.extend<{ phone: Phone }>({
  phone: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    const authenticator = await addVirtualAuthenticator(page, { prf: true });
    try {
      await use({ context, page, authenticator });
    } finally {
      await context.close();
    }
    expect(problems.filter((p) => !/status of 4\d\d|Failed to load resource: net::(ERR_FAILED|ERR_INTERNET_DISCONNECTED)/.test(p))).toEqual([]);
  },
});

const shot = (page: Page, name: string) => screenshot(page, name);

/**
 * What the key server's database holds about a user: the `users` row (by id or name) and the
 * rows of every table with a `user_id` column, read from the SQLite file itself.
 */
function serverRowsOf(userId: string, username: string): { users: number; byTable: Record<string, number>; audit: string[] } {
  const db = new BetterSqlite3(rig.server.databaseFile, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    const byTable: Record<string, number> = {};
    for (const table of tables) {
      const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => c.name);
      if (columns.includes('user_id')) byTable[table] = (db.prepare(`SELECT count(*) AS n FROM "${table}" WHERE user_id = ?`).get(userId) as { n: number }).n;
    }
    const users = (db.prepare('SELECT count(*) AS n FROM users WHERE id = ? OR username = ?').get(userId, username) as { n: number }).n;
    const audit = (db.prepare('SELECT type FROM audit_log WHERE user_id = ? ORDER BY seq').all(userId) as Array<{ type: string }>).map((r) => r.type);
    return { users, byTable, audit };
  } finally {
    db.close();
  }
}

/** Everything the origin keeps in this browser, as the page sees it. */
function originStorage(page: Page) {
  return page.evaluate(async () => ({
    databases: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
    serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
  }));
}

/** How many writes wait in Workbox's queue; the connection is closed again (an open one would hold up a deletion). */
function queuedWrites(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('workbox-background-sync');
        open.onupgradeneeded = () => open.transaction!.abort();
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const db = open.result;
          const count = db.transaction('requests').objectStore('requests').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
        };
      }),
  );
}

const userIdOf = (page: Page) => page.evaluate(async () => ((await (await fetch('/api/session')).json()) as { userId: string }).userId);

/** Onboards, saves a note with SECRET and waits until the server has it; returns the user id. */
async function accountWithNote(page: Page, username: string): Promise<string> {
  await onboardInPage(page, username, PIN);
  await controlledByServiceWorker(page);
  const written = rig.server.nextAnswer((request, status) => request.method === 'PUT' && new URL(request.url).pathname.startsWith('/api/records/') && status === 200);
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByLabel('Title').fill('Alarm code');
  await page.getByLabel('Note').fill(SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await written;
  return userIdOf(page);
}

/**
 * An edit made offline goes to the service worker's background-sync queue; back online it is
 * replayed. Afterwards Workbox keeps its queue's database open in the service worker, as it does
 * on a phone that once synced offline: the deletion must not be held up by it.
 */
async function syncAnEditOffline(context: BrowserContext, page: Page): Promise<void> {
  await setOffline(context, true);
  await page.getByRole('list', { name: 'Records' }).getByRole('button', { name: /Alarm code/ }).click();
  await page.getByLabel('Note').fill(`${SECRET}, edited offline`);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => queuedWrites(page)).toBe(1);
  await setOffline(context, false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect.poll(() => queuedWrites(page)).toBe(0);
}

async function typeUsernameAndDelete(page: Page, typed: string): Promise<void> {
  await page.getByLabel(/^Type your username/).fill(typed);
  await page.getByRole('button', { name: 'Delete my account' }).click();
}

describe('deleting the account, in Chromium', { timeout: 120_000 }, () => {

  /**
   * The whole deletion on `phone`, with a second tab of the vault open at the lock screen: the
   * key server's rows of the user are gone from every table but the audit tombstone, and nothing
   * of the origin is left in the browser; both tabs show the welcome screen.
   */
  async function deleteAndCheck({ context, page }: Phone, name: string): Promise<void> {
    const username = `gwen${++accounts}`;
    const userId = await accountWithNote(page, username);
    await syncAnEditOffline(context, page);
    await page.evaluate(() => {
      localStorage.setItem('left-by-an-extension', '1');
      sessionStorage.setItem('left-by-an-extension', '1');
    });
    const otherTab = await context.newPage();
    await otherTab.goto('/');
    await otherTab.getByRole('button', { name: 'Unlock', exact: true }).waitFor({ timeout: 20_000 });
    const before = await originStorage(page);
    expect(before.databases).toEqual(expect.arrayContaining(['keyhold', 'workbox-background-sync']));
    expect(before.caches.length).toBeGreaterThan(0);
    expect(before.serviceWorkers).toBe(1);
    expect(serverRowsOf(userId, username).byTable.records).toBe(1);

    await openSettings(page, 'Data');
    await page.getByRole('heading', { name: 'Delete your account' }).scrollIntoViewIfNeeded();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, `${name}-card`);
    const erased = rig.server.nextAnswer((request) => request.method === 'DELETE' && new URL(request.url).pathname === '/api/account');
    await typeUsernameAndDelete(page, username.toUpperCase());
    expect(await erased).toBe(200);

    // Nothing left over: the service worker answered, and no deletion was held up.
    await page.getByRole('status').filter({ hasText: 'Your account was deleted. Its data is gone from the server and from this browser.' }).waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, `${name}-done`);
    await otherTab.getByRole('heading', { name: 'Create a vault' }).waitFor({ timeout: 20_000 });

    expect(await originStorage(page)).toEqual({ databases: [], caches: [], serviceWorkers: 0, localStorage: 0, sessionStorage: 0 });
    const rows = serverRowsOf(userId, username);
    expect(rows.users).toBe(0);
    expect(rows.audit).toEqual(['account.erased']);
    const { audit_log: audit, ...rest } = rows.byTable;
    expect(audit).toBe(1);
    expect(Object.values(rest).every((n) => n === 0)).toBe(true);
    expect(Object.keys(rest)).toEqual(expect.arrayContaining(['records', 'devices', 'credentials', 'sessions', 'secret_blobs']));
    expect(await page.evaluate(() => fetch('/api/session').then((r) => r.status))).toBe(401);
  }

  it('erases the account on the server and everything of the origin in the browser, then shows the welcome screen', async ({ phone }) => {
    await deleteAndCheck(phone, 'delete-account');
  });

  it('wipes the origin itself where the browser does not act on Clear-Site-Data (an app on another origin than its server)', async ({ phone }) => {
    const { context } = phone;
    await context.route('**/api/account', async (route) => {
      if (route.request().method() !== 'DELETE') return route.fallback();
      const response = await route.fetch();
      const headers = { ...response.headers() };
      expect(headers['clear-site-data']).toBe('"storage"');
      delete headers['clear-site-data'];
      return route.fulfill({ response, headers });
    });
    await deleteAndCheck(phone, 'delete-account-page-wipe');
  });

  it('a wrong username deletes nothing', async ({ phone }) => {
    const { page } = phone;
    const username = `gwen${++accounts}`;
    const userId = await accountWithNote(page, username);
    await openSettings(page, 'Data');
    await typeUsernameAndDelete(page, `${username}x`);
    await page.getByRole('alert').filter({ hasText: 'That is not this account’s username, so nothing was deleted.' }).waitFor();
    expect(await page.getByLabel(/^Type your username/).getAttribute('aria-invalid')).toBe('true');
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'delete-account-wrong-name');
    expect(serverRowsOf(userId, username)).toMatchObject({ users: 1, byTable: { records: 1 } });
    expect((await originStorage(page)).databases).toContain('keyhold');
  });

  it('a passkey prompt that is refused deletes nothing', async ({ phone }) => {
    const { page, authenticator } = phone;
    const username = `gwen${++accounts}`;
    const userId = await accountWithNote(page, username);
    await openSettings(page, 'Data');
    // The person cannot (or will not) verify: the prompt ends without a passkey.
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.authenticatorId, isUserVerified: false });
    await typeUsernameAndDelete(page, username);
    await page.getByRole('alert').filter({ hasText: /nothing was deleted/ }).waitFor({ timeout: 30_000 });
    await shot(page, 'delete-account-passkey-refused');
    expect(serverRowsOf(userId, username)).toMatchObject({ users: 1, byTable: { records: 1 } });
    expect((await originStorage(page)).databases).toContain('keyhold');
    await page.getByRole('button', { name: 'Back to settings' }).click();
    await page.getByRole('button', { name: 'Back to vault' }).click();
    await page.getByRole('list', { name: 'Records' }).getByRole('button', { name: /Alarm code/ }).waitFor();
  });

  it('downloads what the server holds: JSON with the username and no plaintext of the note', async ({ phone }) => {
    const { page } = phone;
    const username = `gwen${++accounts}`;
    await accountWithNote(page, username);
    await openSettings(page, 'Data');
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download what the server holds about me' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^keyhold-server-data-\d{4}-\d{2}-\d{2}\.json$/);
    const text = await readFile((await download.path())!, 'utf8');
    const body = JSON.parse(text) as { user: { username: string }; records: unknown[] };
    expect(body.user.username).toBe(username);
    expect(body.records).toHaveLength(1);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Alarm code');
    await page.getByText('Your file is downloading.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'server-data-downloaded');
  });
});
