import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPhone } from './browser';
import { startJourneyRig } from './journeys';

/**
 * A new release never swaps code under the user: the new service worker waits, the app says
 * "new version available", and only the user's Reload activates it.
 */
// Generous: a loaded 2-core CI machine runs Argon2id (64 MiB) and Chromium side by side.
describe('app updates', { timeout: 60_000 }, () => {
  const release = mkdtempSync(join(tmpdir(), 'kh-release-'));
  beforeAll(() => {
    cpSync('dist', release, { recursive: true });
  });
  afterAll(() => {
    rmSync(release, { recursive: true, force: true });
  });
  const rig = startJourneyRig({ env: { STATIC_DIR: release } });

  it('offers the waiting version and activates it only on Reload', async () => {
    const { page, context, problems } = await openPhone(rig.browser, rig.server.origin);
    await page.goto('/');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));

    // "Deploy" a new release: any byte change to sw.js is a new service worker version. A build
    // would write its compressed copies anew; the old ones go (the server then sends sw.js itself).
    appendFileSync(join(release, 'sw.js'), '\n// release 2\n');
    for (const copy of ['sw.js.br', 'sw.js.gz']) rmSync(join(release, copy), { force: true });
    await page.reload();
    const prompt = page.getByRole('button', { name: /reload/i });
    await prompt.waitFor({ timeout: 15_000 });
    expect(await page.getByText(/new version/i).count()).toBeGreaterThan(0);
    // Still the old worker in charge until the user agrees.
    expect(await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => Boolean(r?.waiting)))).toBe(true);

    await Promise.all([page.waitForEvent('load'), prompt.click()]);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => Boolean(r?.waiting)))).toBe(false);
    expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
    expect(await page.getByText(/new version/i).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
