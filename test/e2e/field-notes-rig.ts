import BetterSqlite3 from 'better-sqlite3';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
import { serveFieldNotes, type FieldNotesServer } from '../../examples/field-notes/server';
import { scratchDir } from '../helpers/scratch-dir';
import type { JourneyRig } from './journeys';

/** The Field notes example as the journeys of one file see it: its own origin, registered with the rig's key server. */
export interface FieldNotesRig {
  readonly origin: string;
}

/** Sets `name` in process.env for `run` and puts the old value back (these files share one process). */
async function withEnv<T>(settings: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  Object.assign(process.env, settings);
  try {
    return await run();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * After the rig's key server starts: builds Field notes (production, service worker included)
 * against that key server, serves it on another port of localhost (the same site, another origin,
 * as two subdomains would be), and registers that origin as the app `fieldnotes` ("Field notes").
 * Closes and deletes it after the file's last journey.
 */
export function startFieldNotes(rig: JourneyRig): FieldNotesRig {
  let server: FieldNotesServer | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = scratchDir('kh-fieldnotes-');
    const keyServerOrigin = rig.server.origin;
    // Vitest sets NODE_ENV=test, which would make Vite build a development bundle without the service worker.
    await withEnv({ KEY_SERVER_ORIGIN: keyServerOrigin, NODE_ENV: 'production' }, () =>
      build({ configFile: 'examples/field-notes/vite.config.ts', mode: 'production', logLevel: 'warn', build: { outDir: dir } }),
    );
    server = await serveFieldNotes({ dir, port: 0, keyServerOrigin });
    await rig.server.registerApp({ id: 'fieldnotes', name: 'Field notes', origins: [server.origin] });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get origin() {
      if (!server) throw new Error('Field notes starts in beforeAll: use it in a test or a hook');
      return server.origin;
    },
  };
}

/** What a request from a page got back: its status and its JSON body (null when it had none). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
}

/** A credentialed request from `page`'s origin to the key server, as a script of that page makes it. */
export function apiFrom(page: Page, keyServer: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return page.evaluate(
    async ({ url, method, body }) => {
      const response = await fetch(url, {
        method,
        credentials: 'include',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json().catch(() => null) };
    },
    { url: `${keyServer}/api${path}`, method, body },
  );
}

/** The rows of record `id` in the key server's database: the app each belongs to, and whether it is a deletion. */
export function recordRows(databaseFile: string, id: string): Array<{ app_id: string; deleted: number }> {
  const db = new BetterSqlite3(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT app_id, deleted FROM records WHERE id = ?').all(id) as Array<{ app_id: string; deleted: number }>;
  } finally {
    db.close();
  }
}
