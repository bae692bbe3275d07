import { describe, expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { controlledByServiceWorker, lastReplay, queuedWrites } from './background-sync';
import { addVirtualAuthenticator, onboardInPage, openPhone, setOffline } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';

const rig = startJourneyRig();
let accounts = 0;

/**
 * Each journey on a phone of its own, with a passkey (PRF) and a fresh account. It must end
 * without a script error; a failed fetch while offline is not an error of the app.
 */
const it = test.extend<{ phone: { context: BrowserContext; page: Page } }>({
  phone: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(page, { prf: true });
    try {
      await use({ context, page });
    } finally {
      await context.close();
    }
    expect(problems.filter((p) => !/Failed to load resource: net::(ERR_FAILED|ERR_INTERNET_DISCONNECTED)/.test(p))).toEqual([]);
  },
});

const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);
/** Matches a write of record `id` to the key server. */
const writeOf = (id: string | null) => (request: Request) => request.method === 'PUT' && new URL(request.url).pathname === `/api/records/${id}`;

/** Onboards, saves the note "Wi-Fi" and waits until it is on the server; returns its id. */
async function noteOnServer(page: Page, username: string): Promise<string> {
  await onboardInPage(page, username, PIN);
  await controlledByServiceWorker(page);
  // Waits for the write itself: before the list shows the note, "no unsynced mark" is trivially true.
  const written = rig.server.nextAnswer((request, status) => request.method === 'PUT' && new URL(request.url).pathname.startsWith('/api/records/') && status === 200);
  await hook(page, 'new-note').click();
  await hook(page, 'record-title').fill('Wi-Fi');
  await hook(page, 'record-body').fill('first version');
  await hook(page, 'record-save').click();
  await written;
  await expect.poll(() => hook(page, 'record').count()).toBe(1);
  await expect.poll(() => hook(page, 'unsynced').count()).toBe(0);
  const id = await hook(page, 'record').first().getAttribute('data-id');
  expect(id).toBeTruthy();
  return id!;
}

async function editNote(page: Page, body: string): Promise<void> {
  await hook(page, 'record').filter({ hasText: 'Wi-Fi' }).first().click();
  await hook(page, 'record-body').fill(body);
  await hook(page, 'record-save').click();
  await hook(page, 'new-note').waitFor();
}

/**
 * After reconnecting with the page open, what the key server saw of an edit made offline: the
 * page's outbox and the service worker's background-sync queue both hold it, and exactly one of
 * them may send it.
 */
describe('an offline edit after reconnecting, page open, in Chromium', { timeout: 120_000 }, () => {

  /** Back online; resolves when the outbox, the queue and the replay in flight have all settled. */
  async function reconnectAndSettle(context: BrowserContext, page: Page): Promise<void> {
    await setOffline(context, false);
    // The emulated network comes back in steps (the page's sessions, the service worker), and the
    // page may hear `online` while its own requests still fail: say it again once all are back.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect.poll(() => hook(page, 'unsynced').count()).toBe(0);
    await expect.poll(() => queuedWrites(page)).toBe(0);
    // The service worker notes its replay after its last answer: then nothing is in flight.
    await expect.poll(() => lastReplay(page)).not.toBeNull();
  }

  it('is written once: one write accepted, none refused', async ({ phone: { context, page } }) => {
    const id = await noteOnServer(page, `replay${++accounts}`);
    await setOffline(context, true);
    await editNote(page, 'edited offline');
    await expect.poll(() => hook(page, 'unsynced').count()).toBe(1);
    await expect.poll(() => queuedWrites(page)).toBe(1);

    const writes = rig.server.answersTo(writeOf(id));
    await reconnectAndSettle(context, page);
    expect(writes).toEqual([200]);
    expect(await lastReplay(page)).toMatchObject({ sent: 1, refused: 0 });
    expect(await hook(page, 'record').count()).toBe(1);
  });

  it('edited twice offline, sends only the last edit once, and makes no conflict copy of itself', async ({ phone: { context, page } }) => {
    const id = await noteOnServer(page, `replay${++accounts}`);
    await setOffline(context, true);
    await editNote(page, 'first offline edit');
    await editNote(page, 'second offline edit');
    await expect.poll(() => hook(page, 'unsynced').count()).toBe(1);
    await expect.poll(() => queuedWrites(page)).toBe(2);

    const writes = rig.server.answersTo(writeOf(id));
    await reconnectAndSettle(context, page);
    expect(writes).toEqual([200]);
    expect(await hook(page, 'record').count()).toBe(1);
    expect(await hook(page, 'conflict').count()).toBe(0);
    await hook(page, 'record').first().click();
    expect(await hook(page, 'record-body').inputValue()).toBe('second offline edit');
  });
});
