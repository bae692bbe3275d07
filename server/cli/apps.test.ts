import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOf, runCliInProcess, runCliProcess } from '../../test/helpers/cli';
import { DIALECTS, ORIGIN, startTestServer, type TestServer } from '../../test/helpers/harness';
import { apps as appsCommand, AppsCommandError } from './apps';

const NOTES = 'http://localhost:5174';
const KEYHOLD_LINE = `keyhold\tKeyhold\t${ORIGIN}\t(configured)\n`;

describe.each(DIALECTS)('npm run apps (%s)', (dialect) => {
  let server: TestServer;
  const settings = (extra: Record<string, string> = {}) => ({ ...databaseOf(server), ORIGIN, ...extra });
  const run = (args: string[], extra: Record<string, string> = {}) => runCliInProcess((write) => appsCommand(args, settings(extra), write));
  const storedApps = async () => ({
    apps: (await server.store.db.selectFrom('apps').select(['id', 'name']).orderBy('id').execute()),
    origins: (await server.store.db.selectFrom('app_origins').selectAll().orderBy('origin').execute()),
  });

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('lists the default app the server registered from ORIGIN', async () => {
    expect(await run(['list'])).toEqual({ code: 0, stdout: KEYHOLD_LINE, stderr: '' });
  });

  it('adds an app with its origins, lists it, and removes it', async () => {
    expect((await run(['add', 'field-notes', 'Field notes', NOTES, 'https://Notes.Example.com'])).stdout).toBe(`added field-notes (Field notes): ${NOTES} https://notes.example.com\n`);
    expect((await run(['list'])).stdout).toBe(`field-notes\tField notes\t${NOTES} https://notes.example.com\n${KEYHOLD_LINE}`);
    expect((await storedApps()).origins).toEqual([
      { origin: NOTES, app_id: 'field-notes' },
      { origin: ORIGIN, app_id: 'keyhold' },
      { origin: 'https://notes.example.com', app_id: 'field-notes' },
    ]);

    expect((await run(['remove', 'field-notes'])).stdout).toBe('removed field-notes\n');
    expect((await run(['list'])).stdout).toBe(KEYHOLD_LINE);
    expect(await storedApps()).toEqual({ apps: [{ id: 'keyhold', name: 'Keyhold' }], origins: [{ origin: ORIGIN, app_id: 'keyhold' }] });
  });

  it.each([
    ['no command', [], 'usage: npm run apps -- add <id> <name> <origin>… | list | remove <id>'],
    ['an add without an origin', ['add', 'notes', 'Notes'], 'usage: npm run apps'],
    ['an id that is not a slug', ['add', 'Notes!', 'Notes', NOTES], 'app id "Notes!" must be lowercase'],
    ['an origin with a path', ['add', 'notes', 'Notes', `${NOTES}/app`], `origin "${NOTES}/app" must be scheme://host[:port] with nothing after it`],
    ['an empty name', ['add', 'notes', ' ', NOTES], 'app name must be 1 to 64 characters'],
    ['an id already registered', ['add', 'keyhold', 'Again', NOTES], 'app "keyhold" is already registered'],
    ['an origin another app lists', ['add', 'notes', 'Notes', NOTES, ORIGIN], `origin ${ORIGIN} is already registered for app "keyhold"`],
    ['removing the default app', ['remove', 'keyhold'], 'app "keyhold" is the default app (the key server\'s own PWA) and cannot be removed'],
    ['removing an app nobody registered', ['remove', 'nothing'], 'no app "nothing" is registered'],
  ])('refuses %s with one clear line, and changes nothing', async (_, args, message) => {
    const before = await storedApps();
    const refusal = run(args);
    await expect(refusal).rejects.toThrow(AppsCommandError);
    await expect(refusal).rejects.toThrow(message);
    expect(await storedApps()).toEqual(before);
  });

  it('refuses to remove an app the APPS setting registers', async () => {
    const configured = { APPS: `keyhold=${ORIGIN};field-notes=${NOTES}` };
    expect((await run(['list'], configured)).stdout).toBe(`field-notes\tfield-notes\t${NOTES}\t(configured)\n${KEYHOLD_LINE}`);
    await expect(run(['remove', 'field-notes'], configured)).rejects.toThrow('app "field-notes" comes from the APPS setting; remove it there first');
    // Without the setting it is an app like any other.
    expect((await run(['remove', 'field-notes'])).stdout).toBe('removed field-notes\n');
  });

  it('refuses to run when a configured origin is registered for another app, and registers nothing', async () => {
    await run(['add', 'notes', 'Notes', NOTES]);
    const before = await storedApps();
    await expect(run(['list'], { APPS: `keyhold=${ORIGIN};field-notes=${NOTES}` })).rejects.toThrow(`origin ${NOTES} of configured app "field-notes" is registered for app "notes"`);
    expect(await storedApps()).toEqual(before);
    await run(['remove', 'notes']);
  });

  it('runs as an operator runs it: exit 0 with its report, exit 2 with one line on stderr', async () => {
    const added = await runCliProcess('apps', settings(), ['add', 'field-notes', 'Field notes', NOTES]);
    expect(added).toEqual({ code: 0, stdout: `added field-notes (Field notes): ${NOTES}\n`, stderr: '' });
    const refused = await runCliProcess('apps', settings(), ['remove', 'keyhold']);
    expect(refused).toEqual({ code: 2, stdout: '', stderr: 'apps: app "keyhold" is the default app (the key server\'s own PWA) and cannot be removed\n' });
    await run(['remove', 'field-notes']);
  });
});
