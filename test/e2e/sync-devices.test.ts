import { describe, expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { controlledByServiceWorker, lastReplay, queuedWrites } from './background-sync';
import { addVirtualAuthenticator, onboardInPage, openPhone, pinRecoveryReady, setOffline } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
/** Two phones of one person for one journey, each its own context (storage and cookies). */
interface Devices {
  contextA: BrowserContext;
  pageA: Page;
  pageB: Page;
  /** A's username on the key server, new for each journey. */
  username: string;
}

const rig = startJourneyRig();
let accounts = 0;

/**
 * Each journey gets fresh devices, closed after it: A with a passkey (PRF), B with none, so that
 * no journey starts from what another left behind. A must end without a script error; a failed
 * fetch while offline and a 409 for a write already replayed are not errors of the app.
 */
const it = test.extend<{ devices: Devices }>({
   
  devices: async ({}, use) => {
    const a = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(a.page, { prf: true });
    const b = await openPhone(rig.browser, rig.server.origin);
    try {
      await use({ contextA: a.context, pageA: a.page, pageB: b.page, username: `alice${++accounts}` });
    } finally {
      await a.context.close();
      await b.context.close();
    }
    expect(a.problems.filter((p) => !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|status of 409/.test(p))).toEqual([]);
  },
});

const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);
const titles = async (page: Page) => (await hook(page, 'record').locator('.title').allTextContents()).sort();
/** Matches a write of record `id` to the key server (only one the server accepted, with `accepted`). */
const writeOf =
  (id: string | null, { accepted = false } = {}) =>
  (request: Request, status: number) =>
    request.method === 'PUT' && new URL(request.url).pathname === `/api/records/${id}` && (!accepted || status === 200);
/** The id of the first record titled `title` in `page`'s list. */
const idOf = (page: Page, title: string) => hook(page, 'record').filter({ hasText: title }).first().getAttribute('data-id');
/** What the app does when the browser says the network is back. */
const reconnect = (page: Page) => page.evaluate(() => window.dispatchEvent(new Event('online')));

/** The body of every record titled `title`, opening each one in turn. */
async function bodiesOf(page: Page, title: string): Promise<string[]> {
  const bodies: string[] = [];
  const count = await hook(page, 'record').filter({ hasText: title }).count();
  for (let i = 0; i < count; i++) {
    await hook(page, 'record').filter({ hasText: title }).nth(i).click();
    bodies.push(await hook(page, 'record-body').inputValue({ timeout: 10_000 }));
    await hook(page, 'record-cancel').click();
  }
  return bodies.sort();
}

async function editNote(page: Page, title: string, body: string): Promise<void> {
  await hook(page, 'record').filter({ hasText: title }).first().click();
  await hook(page, 'record-body').fill(body);
  await hook(page, 'record-save').click();
  await hook(page, 'new-note').waitFor();
}

/** A onboards, saves the note "Wi-Fi", and its record and PIN recovery reach the server. */
async function deviceAWithNote({ pageA, username }: Devices): Promise<void> {
  await onboardInPage(pageA, username, PIN);
  await hook(pageA, 'new-note').click();
  await hook(pageA, 'record-title').fill('Wi-Fi');
  await hook(pageA, 'record-body').fill('first version');
  await hook(pageA, 'record-save').click();
  await expect.poll(() => hook(pageA, 'record').count()).toBe(1);
  await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(0);
  await expect.poll(() => pinRecoveryReady(pageA), { timeout: 30_000 }).toBe(true);
  await pageA.evaluate(() => navigator.serviceWorker.ready.then(() => true));
}

/** B joins A's account by PIN recovery and waits for the vault to open. */
async function recoverOnB({ pageB, username }: Devices): Promise<void> {
  await pageB.goto('/');
  await hook(pageB, 'have-vault').click();
  await hook(pageB, 'recover-username').fill(username);
  await hook(pageB, 'recover-next').click();
  await hook(pageB, 'route-pin').click();
  await hook(pageB, 'recover-pin').fill(PIN);
  await hook(pageB, 'recover-submit').click();
  await hook(pageB, 'new-login').waitFor({ timeout: 30_000 });
}

/** A with "Wi-Fi" on the server, and B joined with it downloaded. */
async function bothDevicesWithNote(devices: Devices): Promise<void> {
  await deviceAWithNote(devices);
  await recoverOnB(devices);
  await expect.poll(() => titles(devices.pageB)).toEqual(['Wi-Fi']);
}

/**
 * Two devices of one person, as two browser contexts (separate storage and cookies) on the real
 * key server: device B joins by PIN recovery and downloads the vault; an edit made on A while
 * offline meets an edit of the same record on B, and after reconnecting both devices hold both
 * versions, the losing one as a conflict copy; a deletion propagates; and an edit queued offline
 * reaches the server through the service worker's background sync with the page closed.
 */
describe('sync between two devices, in Chromium', { timeout: 120_000 }, () => {

  it('device A onboards and its record reaches the server', async ({ devices }) => {
    await deviceAWithNote(devices);
  });

  it('device B recovers with the PIN and downloads the vault', async ({ devices }) => {
    const { pageB } = devices;
    await deviceAWithNote(devices);
    await recoverOnB(devices);
    await expect.poll(() => titles(pageB)).toEqual(['Wi-Fi']);
    expect(await bodiesOf(pageB, 'Wi-Fi')).toEqual(['first version']);
  });

  it('an offline edit on A and an edit on B of the same record: both versions stay, nothing is lost', async ({ devices }) => {
    const { contextA, pageA, pageB } = devices;
    await bothDevicesWithNote(devices);
    await setOffline(contextA, true);
    await editNote(pageA, 'Wi-Fi', 'edited on A while offline');
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(1);

    // B's list shows the record as synced until it reloads, so wait for the write itself (B's
    // first try may meet a 403 for its recovery session's scope, and signs the device in).
    const writtenByB = rig.server.nextAnswer(writeOf(await idOf(pageB, 'Wi-Fi'), { accepted: true }));
    await editNote(pageB, 'Wi-Fi', 'edited on B');
    await writtenByB;
    await expect.poll(() => hook(pageB, 'unsynced').count()).toBe(0);

    await setOffline(contextA, false);
    await reconnect(pageA);
    await expect.poll(() => titles(pageA)).toEqual(['Wi-Fi', 'Wi-Fi']);
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(0);
    expect(await bodiesOf(pageA, 'Wi-Fi')).toEqual(['edited on A while offline', 'edited on B']);

    await reconnect(pageB);
    await expect.poll(() => titles(pageB)).toEqual(['Wi-Fi', 'Wi-Fi']);
    expect(await bodiesOf(pageB, 'Wi-Fi')).toEqual(['edited on A while offline', 'edited on B']);
  });

  it('a deletion on one device propagates to the other', async ({ devices }) => {
    const { pageA, pageB } = devices;
    await deviceAWithNote(devices);
    // A second record, so the deletion is seen to take exactly one.
    await hook(pageA, 'new-note').click();
    await hook(pageA, 'record-title').fill('Door code');
    await hook(pageA, 'record-body').fill('4711');
    await hook(pageA, 'record-save').click();
    await expect.poll(() => hook(pageA, 'record').count()).toBe(2);
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(0);
    await recoverOnB(devices);
    await expect.poll(() => titles(pageB)).toEqual(['Door code', 'Wi-Fi']);

    // A deleted record leaves the list at once, "not yet synced" or not: wait for the write itself.
    const deletedByB = rig.server.nextAnswer(writeOf(await idOf(pageB, 'Wi-Fi'), { accepted: true }));
    await hook(pageB, 'record').filter({ hasText: 'Wi-Fi' }).first().click();
    await hook(pageB, 'record-delete').click();
    await hook(pageB, 'record-delete-confirm').click();
    await expect.poll(() => hook(pageB, 'record').count()).toBe(1);
    await deletedByB;
    await expect.poll(() => hook(pageB, 'unsynced').count()).toBe(0);
    await reconnect(pageA);
    await expect.poll(() => hook(pageA, 'record').count()).toBe(1);
  });

  it('an edit queued offline reaches the server by background sync with the page closed', async ({ devices }) => {
    const { contextA, pageB } = devices;
    let { pageA } = devices;
    await bothDevicesWithNote(devices);
    await controlledByServiceWorker(pageA);
    await setOffline(contextA, true);
    await hook(pageA, 'new-note').click();
    await hook(pageA, 'record-title').fill('Written offline');
    await hook(pageA, 'record-body').fill('sent by the service worker');
    await hook(pageA, 'record-save').click();
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(1);
    const id = await idOf(pageA, 'Written offline');
    expect(id).toBeTruthy();
    // The failed write sits in Workbox's queue (its own IndexedDB database) before the page goes.
    await expect.poll(() => queuedWrites(pageA)).toBe(1);
    const helper = await contextA.newPage();
    await pageA.close();

    // No page of A is open now, so whatever writes the record is the service worker. The browser
    // fires `sync` itself when the network comes back — for the emulated network too, in the
    // service worker Playwright attaches to — so the test fires none of its own.
    const writes = rig.server.answersTo(writeOf(id));
    const replayed = rig.server.nextAnswer(writeOf(id));
    await setOffline(contextA, false);
    expect(await replayed).toBe(200);

    await reconnect(pageB);
    await expect.poll(() => titles(pageB)).toContain('Written offline');

    // Back on A: the page has the service worker replay its queue before it syncs (after any
    // replay still running), and the change feed shows the edit delivered: it is sent, not sent
    // again and not a conflict. So once A's outbox is settled, every replay has ended.
    pageA = helper;
    await pageA.goto('/');
    await hook(pageA, 'pin').fill(PIN);
    await hook(pageA, 'unlock').click();
    await hook(pageA, 'new-note').waitFor({ timeout: 30_000 });
    await expect.poll(() => titles(pageA)).toEqual(['Wi-Fi', 'Written offline']);
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(0);
    expect(writes).toEqual([200]);
    expect(await lastReplay(pageA)).toMatchObject({ sent: 1, refused: 0 });
  });
});
