import { describe, expect, it } from 'vitest';
import type { Response } from 'playwright-core';
import { openPhone } from './browser';
import { startJourneyRig } from './journeys';

/** The built app as Chromium receives it from the key server: compressed, cached by kind, files never answered with the app. */
describe('serving the app to Chromium', { timeout: 60_000 }, () => {
  const rig = startJourneyRig();

  it('sends every script, the style sheet and the page brotli-compressed, hashed files for a year and the page for no time', async () => {
    const { page, context, problems } = await openPhone(rig.browser, rig.server.origin);
    const responses: Response[] = [];
    page.on('response', (response) => responses.push(response));
    const document = await page.goto('/');
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    expect(document?.headers()['content-encoding']).toBe('br');
    expect(document?.headers()['cache-control']).toBe('no-cache');
    const assets = responses.filter((r) => new URL(r.url()).pathname.startsWith('/assets/') && /\.(js|css)$/.test(r.url()));
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      const headers = await asset.allHeaders();
      expect(headers['cache-control'], asset.url()).toBe('public, max-age=31536000, immutable');
      // Files too small to gain from compression are sent as they are.
      if (Number(headers['content-length']) > 1000) expect(headers['content-encoding'], asset.url()).toBe('br');
    }
    // The page decoded what it was sent: the app runs, with no script error or CSP violation.
    expect(problems).toEqual([]);
    // The service worker precaches each file once, as the browser decodes it: no .br/.gz copy.
    const sw = await (await page.request.get('/sw.js')).text();
    expect(sw).toContain('index.html');
    expect(sw).toContain(new URL(assets[0]!.url()).pathname.slice(1));
    expect(sw).not.toMatch(/\.(?:br|gz)["']/);
    await context.close();
  });

  it('names the chunks the entry imports in the page, to be fetched with it, and no lazy screen', async () => {
    const { page, context } = await openPhone(rig.browser, rig.server.origin);
    const html = await (await page.request.get('/')).text();
    const entry = html.match(/<script type="module"[^>]* src="([^"]+)"/)?.[1];
    expect(entry).toMatch(/^\/assets\/index-.+\.js$/);
    const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]* href="([^"]+)"/g)].map((m) => m[1]);
    // The entry's own static imports, as the browser would find them once it had parsed it.
    const code = await (await page.request.get(entry!)).text();
    const imported = [...code.matchAll(/(?:^|[;}\s])import\s*(?:\{[^}]*\}|\*\s*as\s*\w+|\w+)?\s*(?:from)?\s*"\.\/([^"]+\.js)"/g)].map((m) => `/assets/${m[1]}`);
    expect(imported.length).toBeGreaterThan(0);
    expect(preloads).toEqual(expect.arrayContaining(imported));
    for (const href of preloads) {
      expect(href, href).not.toMatch(/kh-(welcome|pin-setup|vault)-|argon2/);
      expect((await page.request.get(href!)).status(), href).toBe(200);
    }
    await context.close();
  });

  it('with the service worker in control, opens /robots.txt as a file and answers 404 for a missing one, not with the app', async () => {
    const { page, context } = await openPhone(rig.browser, rig.server.origin);
    await page.goto('/');
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload(); // now controlled: navigations go through the service worker
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    const robots = await page.goto('/robots.txt');
    expect(robots?.status()).toBe(200);
    expect(await robots?.text()).toContain('Disallow: /api/');
    const missing = await page.goto('/assets/no-such-chunk.js');
    expect(missing?.status()).toBe(404);
    expect(await missing?.text()).not.toContain('<kh-app>');
    // A path of the app itself still opens the app, from the service worker's copy.
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Create a vault' }).waitFor();
    await context.close();
  });
});
