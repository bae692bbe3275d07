/**
 * `npm run example`: builds the Field notes example (examples/field-notes/) and serves it on its own
 * origin, http://localhost:8081 (EXAMPLE_PORT), against the key server at KEY_SERVER_ORIGIN
 * (default http://localhost:8080, what `npm start` serves). The key server accepts only registered
 * origins, so for a key server on this machine the app `fieldnotes` is registered first, when it is
 * not yet, in the database the key server uses with this environment (DATA_DIR / DATABASE_URL, as
 * `npm run apps`); a running key server accepts it from its first request. KEYHOLD_SDK_DIR builds
 * it against a built SDK (`npm run build:sdk` → dist-sdk) instead of the SDK's sources.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { serveFieldNotes } from '../examples/field-notes/server';
import { apps } from '../server/cli/apps';

const APP_ID = 'fieldnotes';
const APP_NAME = 'Field notes';

const keyServerOrigin = new URL(process.env.KEY_SERVER_ORIGIN ?? 'http://localhost:8080').origin;
const port = Number(process.env.EXAMPLE_PORT ?? 8081);
const origin = `http://localhost:${port}`;
const say = (line: string): void => void process.stdout.write(`example: ${line}\n`);

/** Registers Field notes' origin with the key server's database unless it is there already. */
async function ensureRegistered(): Promise<void> {
  if (new URL(keyServerOrigin).hostname !== 'localhost') {
    say(`the key server ${keyServerOrigin} must list ${origin}: on its host, npm run apps -- add ${APP_ID} "${APP_NAME}" ${origin}`);
    return;
  }
  let listed = '';
  await apps(['list'], process.env, (text) => (listed += text));
  const registered = listed.split('\n').find((line) => line.split('\t')[0] === APP_ID);
  if (!registered) {
    await apps(['add', APP_ID, APP_NAME, origin], process.env, () => undefined);
    say(`registered the app ${APP_ID} (${APP_NAME}) on ${origin} with the key server's database (npm run apps -- list shows it)`);
  } else if (registered.split('\t')[2]?.split(' ').includes(origin)) {
    say(`the key server's database lists ${APP_ID} on ${origin}`);
  } else {
    say(`the app ${APP_ID} is registered with other origins (${registered.split('\t')[2]}): npm run apps -- remove ${APP_ID}, or set EXAMPLE_PORT`);
  }
}

await ensureRegistered();
process.env.KEY_SERVER_ORIGIN = keyServerOrigin;
// Vite builds a development bundle when NODE_ENV says so (no service worker): this is a production build.
process.env.NODE_ENV = 'production';
await build({ configFile: fileURLToPath(new URL('../examples/field-notes/vite.config.ts', import.meta.url)), mode: 'production', logLevel: 'warn' });
const server = await serveFieldNotes({ dir: fileURLToPath(new URL('../examples/field-notes/dist/', import.meta.url)), port, keyServerOrigin });
say(`Field notes on ${server.origin}, using the key server ${keyServerOrigin} (Ctrl+C stops it)`);
