import { rmSync } from 'node:fs';
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
