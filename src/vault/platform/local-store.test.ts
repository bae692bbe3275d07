import 'fake-indexeddb/auto';
import { forceCloseDatabase } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LocalStore } from './local-store';

describe('LocalStore when the browser clears the site data', () => {
  it('stays closed after the browser closed its connection: a later write fails instead of re-creating the wiped database', async () => {
    const name = `cleared-${Date.now()}`;
    const store = new LocalStore(name);
    await store.resetThrottle();
    // What Chromium does on "clear site data": the open connection is closed (`close` fires), the database deleted.
    forceCloseDatabase(store.db.backendDB() as unknown as Parameters<typeof forceCloseDatabase>[0]);
    await store.lost;
    await new Promise((resolve) => (indexedDB.deleteDatabase(name).onsuccess = resolve));

    await expect(store.resetThrottle()).rejects.toMatchObject({ name: 'DatabaseClosedError' });
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(name);
  });
});
