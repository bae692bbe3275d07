/**
 * The browser journeys' helpers (test/e2e/browser.ts): Chromium with the project's flags, and the
 * real key server serving dist/. Loaded through a computed specifier on purpose: that file also
 * holds DOM-typed page callbacks, and tsconfig.server.json (which checks bench/ without lib.dom)
 * would pull it in through a static import and fail. Only what the bench uses is typed here.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface LiveServer {
  origin: string;
  close(): Promise<void>;
}

export interface E2eBrowserHelpers {
  /** The Chromium binary and the journeys' flags, for a bench that launches its own (persistent) browser. */
  readonly CHROMIUM: string;
  readonly CHROMIUM_FLAGS: readonly string[];
  /** `/usr/bin/chromium` (or CHROMIUM_PATH), headless, with the flags every journey uses. */
  launchChromium(): Promise<Browser>;
  startLiveServer(env?: Record<string, string>): Promise<LiveServer>;
  /** A 390×844 phone context whose console errors and CSP violations land in `problems`. */
  openPhone(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  addVirtualAuthenticator(page: Page, opts?: { prf?: boolean }): Promise<unknown>;
  /** Onboarding as a person does it (username, passkey, the PIN twice); resolves when the vault is open. */
  onboardInPage(page: Page, username: string, pin: string): Promise<void>;
  /** Network off or on for the context's pages and service worker (context and CDP alike). */
  setOffline(context: BrowserContext, offline: boolean): Promise<void>;
}

export async function loadE2eBrowserHelpers(): Promise<E2eBrowserHelpers> {
  const specifier = new URL('../../test/e2e/browser.ts', import.meta.url).href;
  return (await import(specifier)) as E2eBrowserHelpers;
}
