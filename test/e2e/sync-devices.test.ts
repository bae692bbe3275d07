import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addVirtualAuthenticator, launchChromium, onboardInPage, openPhone, pinRecoveryActive, startLiveServer, type LiveServer } from './browser';

const PIN = '482915';
const QUEUE_TAG = 'workbox-background-sync:keyhold-record-writes';

/**
 * Two devices of one person, as two browser contexts (separate storage and cookies) on the real
 * key server: device B joins by PIN recovery and downloads the vault; an edit made on A while
 * offline meets an edit of the same record on B, and after reconnecting both devices hold both
 * versions, the losing one as a conflict copy; a deletion propagates; and an edit queued offline
 * reaches the server through the service worker's background sync with the page closed.
 */
describe('sync between two devices, in Chromium', { timeout: 90_000 }, () => {
  let server: LiveServer;
  let browser: Browser;
  let contextA: BrowserContext;
  let pageA: Page;
  let pageB: Page;
  let problemsA: string[];
  const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);
  const titles = async (page: Page) => (await hook(page, 'record').locator('.title').allTextContents()).sort();
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

  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchChromium();
    ({ context: contextA, page: pageA, problems: problemsA } = await openPhone(browser, server.origin));
    await addVirtualAuthenticator(pageA, { prf: true });
    ({ page: pageB } = await openPhone(browser, server.origin));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('device A onboards and its record reaches the server', async () => {
    await onboardInPage(pageA, 'alice', PIN);
    await hook(pageA, 'new-note').click();
    await hook(pageA, 'record-title').fill('Wi-Fi');
    await hook(pageA, 'record-body').fill('first version');
    await hook(pageA, 'record-save').click();
    await expect.poll(() => hook(pageA, 'record').count()).toBe(1);
    await expect.poll(() => hook(pageA, 'unsynced').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => pinRecoveryActive(pageA), { timeout: 30_000 }).toBe(true);
    await pageA.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  });

  it('device B recovers with the PIN and downloads the vault', async () => {
    await pageB.goto('/');
    await hook(pageB, 'have-vault').click();
    await hook(pageB, 'recover-username').fill('alice');
    await hook(pageB, 'recover-next').click();
    await hook(pageB, 'route-pin').click();
    await hook(pageB, 'recover-pin').fill(PIN);
    await hook(pageB, 'recover-submit').click();
    await hook(pageB, 'new-login').waitFor({ timeout: 30_000 });
    await expect.poll(() => titles(pageB), { timeout: 20_000 }).toEqual(['Wi-Fi']);
    expect(await bodiesOf(pageB, 'Wi-Fi')).toEqual(['first version']);
  });

  it('an offline edit on A and an edit on B of the same record: both versions stay, nothing is lost', async () => {
    await contextA.setOffline(true);
    await editNote(pageA, 'Wi-Fi', 'edited on A while offline');
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(1);

    await editNote(pageB, 'Wi-Fi', 'edited on B');
    await expect.poll(() => hook(pageB, 'unsynced').count(), { timeout: 20_000 }).toBe(0);

    await contextA.setOffline(false);
    await reconnect(pageA);
    await expect.poll(() => titles(pageA), { timeout: 20_000 }).toEqual(['Wi-Fi', 'Wi-Fi']);
    await expect.poll(() => hook(pageA, 'unsynced').count(), { timeout: 20_000 }).toBe(0);
    expect(await bodiesOf(pageA, 'Wi-Fi')).toEqual(['edited on A while offline', 'edited on B']);

    await reconnect(pageB);
    await expect.poll(() => titles(pageB), { timeout: 20_000 }).toEqual(['Wi-Fi', 'Wi-Fi']);
    expect(await bodiesOf(pageB, 'Wi-Fi')).toEqual(['edited on A while offline', 'edited on B']);
  });

  it('a deletion on one device propagates to the other', async () => {
    await hook(pageB, 'record').filter({ hasText: 'Wi-Fi' }).first().click();
    await hook(pageB, 'record-delete').click();
    await hook(pageB, 'record-delete-confirm').click();
    await expect.poll(() => hook(pageB, 'record').count()).toBe(1);
    await expect.poll(() => hook(pageB, 'unsynced').count(), { timeout: 20_000 }).toBe(0);
    await reconnect(pageA);
    await expect.poll(() => hook(pageA, 'record').count(), { timeout: 20_000 }).toBe(1);
  });

  it('an edit queued offline reaches the server by background sync with the page closed', async () => {
    await contextA.setOffline(true);
    await hook(pageA, 'new-note').click();
    await hook(pageA, 'record-title').fill('Written offline');
    await hook(pageA, 'record-body').fill('sent by the service worker');
    await hook(pageA, 'record-save').click();
    await expect.poll(() => hook(pageA, 'unsynced').count()).toBe(1);
    // The failed write sits in Workbox's queue (its own IndexedDB database) before the page goes.
    const queued = () =>
      pageA.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const open = indexedDB.open('workbox-background-sync');
            open.onsuccess = () => {
              const db = open.result;
              if (!db.objectStoreNames.contains('requests')) return resolve(0);
              const count = db.transaction('requests').objectStore('requests').count();
              count.onsuccess = () => resolve(count.result);
            };
            open.onerror = () => resolve(-1);
          }),
      );
    await expect.poll(queued, { timeout: 10_000 }).toBeGreaterThan(0);
    const helper = await contextA.newPage();
    await pageA.close();

    await contextA.setOffline(false);
    // The browser fires `sync` when it sees the network come back; headless Chromium's offline
    // emulation does not reach that observer, so the test fires it the way DevTools does.
    const cdp = await contextA.newCDPSession(helper);
    const registrations = new Promise<string>((resolve) =>
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => {
        const live = list.find((r) => !r.isDeleted && r.scopeURL.startsWith(server.origin));
        if (live) resolve(live.registrationId);
      }),
    );
    await cdp.send('ServiceWorker.enable');
    const registrationId = await registrations;
    await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: server.origin, registrationId, tag: QUEUE_TAG, lastChance: false });

    await expect
      .poll(
        async () => {
          await reconnect(pageB);
          return titles(pageB);
        },
        { timeout: 20_000, intervals: [500] },
      )
      .toContain('Written offline');

    // Back on A: the edit the service worker delivered is recognised as sent, not as a conflict.
    pageA = helper;
    await pageA.goto('/');
    await hook(pageA, 'pin').fill(PIN);
    await hook(pageA, 'unlock').click();
    await hook(pageA, 'new-note').waitFor({ timeout: 30_000 });
    await expect.poll(() => hook(pageA, 'unsynced').count(), { timeout: 20_000 }).toBe(0);
    expect(await titles(pageA)).toEqual(['Wi-Fi', 'Written offline']);
    const replay = await pageA.evaluate(
      () =>
        new Promise<unknown>((resolve) => {
          const open = indexedDB.open('keyhold-sw');
          open.onsuccess = () => {
            const get = open.result.transaction('replays').objectStore('replays').get('last');
            get.onsuccess = () => resolve(get.result);
          };
        }),
    );
    expect(replay).toMatchObject({ sent: 1 });
    expect(problemsA.filter((p) => !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|status of 409/.test(p))).toEqual([]);
  });
});
