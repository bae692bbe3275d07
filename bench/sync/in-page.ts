/**
 * The part of `npm run bench:sync` that runs inside Chromium: one device of the vault per page,
 * built from the app's own Vault, KeyServer, LocalStore, browser passkeys and Argon2
 * worker bridge (page-bundle.ts bundles them with this file and hands them in through
 * `createSyncBenchApi`). The Node side calls the returned functions with `page.evaluate`.
 *
 * Checked by tsconfig.server.json, which has no lib.dom: the app's code and the browser globals
 * arrive typed by app-code.ts. Timings are `performance.now()` differences (rounded to 0.1 ms by
 * Chromium without cross-origin isolation); requests are read from the page's Resource Timing
 * entries, so the app's fetch is not wrapped.
 */
import { browser, rowFromServer, type Argon2Bridge, type ChangesPage, type Controller, type ServerRecord, type SyncAppCode } from './app-code';
import { byteLength, loginRecord, titleOf } from './logins';

/** One request the app made while a measured call ran. */
export interface RequestFigures {
  /** Pathname and query, e.g. `/api/records/changes?after=0&limit=1000`. */
  path: string;
  /** From the call's start to the request's start, and the request's own duration (start → last byte). */
  atMs: number;
  durationMs: number;
  /** Until the first byte of the response: the server's time plus a loopback round trip. */
  waitMs: number;
  /** Bytes on the wire (headers included) and the response body as sent. */
  transferBytes: number;
  bodyBytes: number;
}

export interface SyncFigures {
  ms: number;
  requests: RequestFigures[];
  /** Rows in the device's `records` table afterwards. */
  storedRows: number;
}

/** The initial sync's work step by step, with the app's own pieces called one at a time (see `breakdown`). */
export interface BreakdownFigures {
  pages: number;
  records: number;
  /** `KeyServer.recordChanges` per page: the request (start → last byte) and all of it (request + `response.json()`). */
  requestMs: number;
  fetchAndParseMs: number;
  bodyBytes: number;
  /** `parseEncryptedRecord` over every record of every page (what `applyChanges` does per record besides IndexedDB). */
  parseBlobsMs: number;
  /** `SyncStore.applyChanges` per page into an empty database: bulkGet, the blob checks, bulkPut, the cursor. */
  applyMs: number;
  /** Its two IndexedDB calls on their own (each its own transaction), per page into another empty database. */
  bulkGetMs: number;
  bulkPutMs: number;
  /** `LocalStore.liveRecords()` of the result: what `listRecords` reads before it decrypts. */
  readAllMs: number;
}

export interface ListFigures {
  ms: number;
  count: number;
  /** Titles that are not `Service NNNNN account` for an index below the expected count, or repeat. */
  unexpected: number;
}


/** The bench's entry points for one device (this page), given the app's code; installed as `globalThis.__khSyncBench`. */
export function createSyncBenchApi(app: SyncAppCode) {
  let device: { controller: Controller; store: InstanceType<SyncAppCode['LocalStore']>; argon2: Argon2Bridge } | undefined;
  /** What the controller's `isOnline` answers: the bench keeps a recovering device "offline" so its first sync waits to be timed. */
  let online = true;
  /** Ids of the records this device saved, by index (device A). */
  const savedIds: string[] = [];

  const need = () => {
    if (!device) throw new Error('openDevice first');
    return device;
  };

  /** Runs `call` with the resource timings cleared, and returns the requests it made. */
  async function withRequests(call: () => Promise<void>): Promise<{ ms: number; requests: RequestFigures[] }> {
    browser.performance.clearResourceTimings();
    const start = browser.performance.now();
    await call();
    const ms = browser.performance.now() - start;
    const requests = browser.performance
      .getEntriesByType('resource')
      .filter((entry) => entry.startTime >= start)
      .map((entry): RequestFigures => {
        const url = new URL(entry.name);
        return {
          path: `${url.pathname}${url.search}`,
          atMs: entry.startTime - start,
          durationMs: entry.responseEnd - entry.startTime,
          waitMs: entry.responseStart - entry.startTime,
          transferBytes: entry.transferSize,
          bodyBytes: entry.encodedBodySize,
        };
      });
    return { ms, requests };
  }

  /** A sync that must end idle and without a failure, or its figures mean nothing. */
  async function syncOrThrow(controller: Controller): Promise<void> {
    await controller.sync.now();
    const status = controller.sync.status;
    if (status.phase !== 'idle' || status.failure !== null) throw new Error(`sync ended ${status.phase} (${status.failure ?? 'no failure code'}), ${status.pending} pending`);
  }

  return {
    /**
     * Builds this page's device as src/main.ts does (the worker from the built dist/ chunk), with
     * two differences: timers never fire (no auto-lock and no 60 s periodic sync in the middle of
     * a measurement), and `isOnline` is the bench's switch.
     */
    async openDevice(workerUrl: string): Promise<void> {
      browser.performance.setResourceTimingBufferSize(100_000);
      const argon2 = new app.Argon2Client({ createWorker: () => new browser.Worker(workerUrl, { type: 'module', name: 'argon2' }) });
      const store = new app.LocalStore();
      const controller = new app.Vault({
        argon2: argon2.hash.bind(argon2),
        server: new app.KeyServer(),
        store,
        passkeys: app.createBrowserPasskeys(),
        isOnline: () => online,
        setTimer: () => null,
        clearTimer: () => {},
      });
      await controller.start();
      device = { controller, store, argon2 };
    },

    /** Device A: a new account with the virtual authenticator's passkey and `pin`, PIN recovery registered. */
    async onboard(username: string, pin: string): Promise<{ ms: number }> {
      const { controller } = need();
      const start = browser.performance.now();
      await controller.onboarding.createAccount(username);
      await controller.onboarding.choosePin(pin, pin);
      await controller.account.pinRecoverySettled();
      const status = (await (await browser.fetch('/api/recovery/status')).json()) as { pin?: { active?: boolean } };
      if (status.pin?.active !== true) throw new Error('PIN recovery is not active after onboarding');
      return { ms: browser.performance.now() - start };
    },

    /**
     * Device A: saves logins `from`…`from + count - 1` one after another through saveRecord, as a
     * person's edits would arrive (each save also starts a background sync, which coalesces).
     */
    async seed(from: number, count: number): Promise<{ ms: number; plaintextBytes: number }> {
      const { controller } = need();
      let bytes = 0;
      const start = browser.performance.now();
      for (let i = from; i < from + count; i++) {
        const record = loginRecord(i);
        bytes += byteLength(JSON.stringify(record));
        savedIds[i] = await controller.records.save(null, record);
      }
      return { ms: browser.performance.now() - start, plaintextBytes: bytes / count };
    },

    /** Syncs until the outbox is empty; returns how long that took and how many PUTs it made. */
    async pushAll(): Promise<{ ms: number; puts: number; putMs: number[]; runs: number }> {
      const { controller } = need();
      const putMs: number[] = [];
      let runs = 0;
      const start = browser.performance.now();
      do {
        const { requests } = await withRequests(() => syncOrThrow(controller));
        for (const r of requests) if (r.path.startsWith('/api/records/') && !r.path.startsWith('/api/records/changes')) putMs.push(r.durationMs);
        runs++;
        if (runs > 20) throw new Error(`${controller.sync.status.pending} records still pending after 20 syncs`);
      } while (controller.sync.status.pending > 0);
      return { ms: browser.performance.now() - start, puts: putMs.length, putMs, runs };
    },

    /**
     * A fresh device joins by PIN recovery (the journeys' route). It is kept "offline" meanwhile,
     * so the sync the controller starts on adopting the vault ends at once and the first real one
     * is `timedSync`. Not part of any timing.
     */
    async recover(username: string, pin: string): Promise<{ ms: number }> {
      const { controller } = need();
      const start = browser.performance.now();
      online = false;
      await controller.recovery.withPin(username, pin);
      await controller.sync.now();
      online = true;
      if (controller.state.kind !== 'unlocked') throw new Error(`recovery left the vault ${controller.state.kind}`);
      return { ms: browser.performance.now() - start };
    },

    /** Timed: one `syncNow()` (nothing to push; a device sign-in if the session needs one; every page pulled into IndexedDB). */
    async timedSync(): Promise<SyncFigures> {
      const { controller, store } = need();
      const { ms, requests } = await withRequests(() => syncOrThrow(controller));
      return { ms, requests, storedRows: await store.db.records.count() };
    },

    /** Timed: `listRecords()`, which decrypts every record not already summarised in this session. */
    async timedList(expected: number): Promise<ListFigures> {
      const { controller } = need();
      const start = browser.performance.now();
      const list = await controller.records.list();
      const ms = browser.performance.now() - start;
      const titles = new Set<string>();
      for (let i = 0; i < expected; i++) titles.add(titleOf(i));
      let unexpected = 0;
      for (const record of list) {
        if (titles.has(record.title)) titles.delete(record.title);
        else unexpected++;
      }
      return { ms, count: list.length, unexpected };
    },

    /**
     * Where an initial sync's time goes: the steps `syncNow()` runs, called one at a time with the
     * app's own KeyServer, parseEncryptedRecord and SyncStore, into a second, empty database on this
     * device (deleted afterwards), then read back with `liveRecords()`; then Dexie's bulkGet and
     * bulkPut of the same pages on their own into a third. Needs a session that may read records
     * (the timed sync's). The steps run one after another, as in the engine.
     */
    async breakdown(pageSize: number): Promise<BreakdownFigures> {
      const server = new app.KeyServer();
      const store = new app.LocalStore('keyhold-bench-breakdown');
      const split = new app.LocalStore('keyhold-bench-breakdown-split');
      // Dexie is a chunk each store loads on its own: `db` (and SyncStore, which reads it) work once it has.
      await Promise.all([store.database(), split.database()]);
      const sync = new app.SyncStore(store);
      const figures: BreakdownFigures = { pages: 0, records: 0, requestMs: 0, fetchAndParseMs: 0, bodyBytes: 0, parseBlobsMs: 0, applyMs: 0, bulkGetMs: 0, bulkPutMs: 0, readAllMs: 0 };
      const pages: ServerRecord[][] = [];
      try {
        let cursor = 0;
        for (;;) {
          let page: ChangesPage | undefined;
          const fetched = await withRequests(async () => {
            page = await server.recordChanges(cursor, pageSize);
          });
          figures.fetchAndParseMs += fetched.ms;
          figures.requestMs += fetched.requests.reduce((n, r) => n + r.durationMs, 0);
          figures.bodyBytes += fetched.requests.reduce((n, r) => n + r.bodyBytes, 0);
          const { changes, more } = page!;
          let start = browser.performance.now();
          for (const change of changes) app.parseEncryptedRecord(change);
          figures.parseBlobsMs += browser.performance.now() - start;
          start = browser.performance.now();
          await sync.applyChanges(changes, { cursor: page!.cursor, lastSyncAt: null });
          figures.applyMs += browser.performance.now() - start;
          figures.pages++;
          figures.records += changes.length;
          pages.push(changes as unknown as ServerRecord[]);
          cursor = page!.cursor;
          if (!more) break;
        }
        const start = browser.performance.now();
        const rows = await store.liveRecords();
        figures.readAllMs = browser.performance.now() - start;
        if (rows.length !== figures.records) throw new Error(`breakdown stored ${rows.length} of ${figures.records} records`);
        for (const changes of pages) {
          const getStart = browser.performance.now();
          await split.db.records.bulkGet(changes.map((c) => c.id));
          figures.bulkGetMs += browser.performance.now() - getStart;
          const pageRows = changes.map(rowFromServer);
          const putStart = browser.performance.now();
          await split.db.records.bulkPut(pageRows);
          figures.bulkPutMs += browser.performance.now() - putStart;
        }
        return figures;
      } finally {
        await store.db.delete();
        await split.db.delete();
      }
    },

    /** Device A: changes the notes of record `index` (read first, as the app's editor does) and syncs it. */
    async editOne(index: number, marker: string): Promise<{ id: string; ms: number }> {
      const { controller } = need();
      const id = savedIds[index];
      if (!id) throw new Error(`record ${index} was not saved on this device`);
      const start = browser.performance.now();
      const current = (await controller.records.read(id)) as Record<string, string>;
      await controller.records.save(id, { ...current, notes: `${marker} ${current.notes ?? ''}`.slice(0, 200) });
      await syncOrThrow(controller);
      if (controller.sync.status.pending !== 0) throw new Error('the edit is still pending');
      return { id, ms: browser.performance.now() - start };
    },

    /** Whether record `id` on this device now opens with `marker` in its notes (after a sync). */
    async hasEdit(id: string, marker: string): Promise<boolean> {
      const content = await need().controller.records.read(id);
      return typeof content.notes === 'string' && content.notes.startsWith(`${marker} `);
    },

    close(): void {
      device?.argon2.terminate();
      device?.store.close();
      device = undefined;
    },
  };
}

export type SyncBenchApi = ReturnType<typeof createSyncBenchApi>;
export type { SyncAppCode } from './app-code';
