import { describe, expect, it } from 'vitest';
import { axeViolations, launchPersistentPhone, openPhone, setOffline } from './browser';
import { startJourneyRig } from './journeys';

// Generous: a loaded 2-core CI machine runs Argon2id (64 MiB) and Chromium side by side.
describe('the app shell in Chromium', { timeout: 60_000 }, () => {
  const rig = startJourneyRig();

  it('loads under the strict CSP with no violation or script error, and shows the first screen', async () => {
    const { page, problems, context } = await openPhone(rig.browser, rig.server.origin);
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toContain("require-trusted-types-for 'script'");
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    // The key server's line is in Settings → About now, not at the foot of every screen.
    expect(await page.getByText(/Key server:/).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is installable: a service worker controls the page and Chromium reports no installability errors', async () => {
    const phone = await launchPersistentPhone(rig.server.origin);
    try {
      await phone.page.goto('/');
      await phone.page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      const cdp = await phone.context.newCDPSession(phone.page);
      await cdp.send('Page.enable');
      const manifest = await cdp.send('Page.getAppManifest');
      expect(manifest.errors).toEqual([]);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('starts from the service worker with the network gone', async () => {
    const { page, context } = await openPhone(rig.browser, rig.server.origin);
    await page.goto('/');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload(); // now controlled
    await setOffline(context, true);
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Offline — your vault works' }).waitFor();
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    await context.close();
  });

  it('has no axe-core violations', async () => {
    const { page, context } = await openPhone(rig.browser, rig.server.origin);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});
