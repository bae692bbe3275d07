import { afterEach, describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../protocol/base64url';
import { createAccount, type TestUser } from '../../test/helpers/accounts';
import { databaseOf, runCliInProcess, runCliProcess, spawnCliProcess, type CliResult } from '../../test/helpers/cli';
import { ApiClient, DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { ARGON2, blindPin, currentCode, enrollTotp, pinInput, recoverPin, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';
import { buildApp } from '../app';
import { createPepper, type Pepper } from '../domain/pepper';
import { pinRecoveryKeyContext } from '../domain/pin-recovery';
import { newOprfKey } from '../domain/oprf';
import { silentLogger } from '../http/logger';
import { rotatePepper } from './rotate-pepper';

const STEP = 30_000;

/** The pepper test/helpers/harness.ts serves with: the one being retired here. */
const OLD = new Uint8Array(32).fill(7);
const NEW = new Uint8Array(32).fill(42);
const WRONG = new Uint8Array(32).fill(99);
const b64 = encodeBase64Url;

/** The settings that point the CLI at the test server's database, and the peppers it runs with. */
function cliSettings(server: TestServer, peppers: { current: Uint8Array; previous?: Uint8Array; decoys?: Uint8Array }): Record<string, string> {
  return {
    ...databaseOf(server),
    PEPPER: b64(peppers.current),
    ...(peppers.previous ? { PEPPER_PREVIOUS: b64(peppers.previous) } : {}),
    ...(peppers.decoys ? { PEPPER_DECOYS: b64(peppers.decoys) } : {}),
  };
}

/** `npm run pepper:rotate` run in this process: its exit code and report. */
function rotate(server: TestServer, peppers: Parameters<typeof cliSettings>[1], args: string[] = []): Promise<CliResult> {
  return runCliInProcess((write) => rotatePepper(args, cliSettings(server, peppers), write));
}

/** The same, as an operator runs it: in its own process. */
function rotateInOwnProcess(server: TestServer, peppers: Parameters<typeof cliSettings>[1], args: string[] = []): Promise<CliResult> {
  return runCliProcess('rotate-pepper', cliSettings(server, peppers), args);
}

/** The same database served by a process configured with `pepper` (as after a restart with new settings). */
function serveWith(server: TestServer, pepper: Pepper): TestServer {
  const { app } = buildApp({ store: server.store, config: server.config, pepper, log: silentLogger, version: 'test', now: () => server.clock.now });
  return { ...server, app };
}

/** Every sealed value in the database, with where it lives. */
async function sealedValues(server: TestServer): Promise<Array<{ where: string; sealed: string }>> {
  const db = server.store.db;
  const values: Array<{ where: string; sealed: string }> = [];
  for (const row of await db.selectFrom('pin_recovery').select(['subject', 'sealed_key']).execute()) values.push({ where: `pin ${row.subject}`, sealed: row.sealed_key });
  for (const row of await db.selectFrom('totp_recovery').select(['subject', 'sealed_secret', 'sealed_r']).execute()) {
    values.push({ where: `totp secret ${row.subject}`, sealed: row.sealed_secret });
    if (row.sealed_r) values.push({ where: `totp r ${row.subject}`, sealed: row.sealed_r });
  }
  for (const row of await db.selectFrom('challenges').select(['purpose', 'data']).where('purpose', 'in', ['pin_register', 'totp_enroll']).execute()) {
    const data = JSON.parse(row.data) as { sealedKey?: string; sealedSecret?: string };
    values.push({ where: `challenge ${row.purpose}`, sealed: (data.sealedKey ?? data.sealedSecret)! });
  }
  return values;
}

/** Key ids of every sealed value, by where it lives. */
const keyIdsIn = async (server: TestServer) => (await sealedValues(server)).map((v) => [v.where, createPepper(OLD).sealedWith(v.sealed)] as const);

/** What a prober sees for an unknown username: PIN salt and guesses, the OPRF output of one input, and the passkey decoy. */
async function probe(server: TestServer, username: string) {
  const client = new ApiClient(server);
  const params = await client.post('/api/recovery/pin/params', { username });
  const input = pinInput('prober');
  const { start, blinded } = await startPinRecovery(client, username, input);
  const signin = await client.post('/api/passkeys/signin/options', { username });
  return {
    salt: params.body.salt as string,
    guessesLeft: params.body.guessesLeft as number,
    oprfTag: blinded.tagFor(start.body.evaluatedElement),
    credentials: JSON.stringify(signin.body.allowCredentials ?? signin.body),
  };
}

describe.each(DIALECTS)('npm run pepper:rotate (%s)', (dialect) => {
  let server: TestServer;
  afterEach(() => server.close());

  /** A user with a key bundle, PIN recovery and TOTP recovery, all sealed under the old pepper. */
  async function recoverableUser(name: string) {
    const user = await createAccount(server, name);
    await user.client.put('/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 });
    const pin = await registerPinRecovery(user.client, pinInput(`${name}-pin`));
    const totp = await enrollTotp(server, user.client);
    return { ...user, pin, totp };
  }

  it('re-seals every value under the new pepper; recovery then works with only the new pepper, decoys look the same, and a second run changes nothing', async () => {
    server = await startTestServer(dialect);
    const alice = await recoverableUser('alice');
    // Decoys for an unknown username (PIN and TOTP rows), seen by a prober before the rotation.
    const before = await probe(server, 'nobody');
    expect((await new ApiClient(server).post('/api/recovery/totp/recover', { username: 'nobody', code: '000000' })).status).toBe(401);
    // Pending, unfinished: a TOTP enrolment and a PIN registration, each holding a sealed value.
    const bob: TestUser = await createAccount(server, 'bob');
    const bobEnrol = await bob.client.post('/api/recovery/totp/enroll/start');
    const bobPin = blindPin(pinInput('bob-pin'));
    const bobRegistration = await bob.client.post('/api/recovery/pin/register/start', { blindedElement: bobPin.blindedElement });
    const oldId = createPepper(OLD).keyId;
    expect(new Set((await keyIdsIn(server)).map(([, id]) => id))).toEqual(new Set([oldId]));

    const first = await rotate(server, { current: NEW, previous: OLD, decoys: OLD });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const newId = createPepper(NEW).keyId;
    expect(first.stdout).toContain(`pepper:rotate: sealing under pepper ${newId}, opening pepper ${oldId} too\n`);
    expect(first.stdout).toContain('pin_recovery.sealed_key: 2 re-sealed, 0 already current\n'); // alice's and the decoy's
    expect(first.stdout).toContain('totp_recovery.sealed_secret: 2 re-sealed, 0 already current\n');
    expect(first.stdout).toContain('totp_recovery.sealed_r: 1 re-sealed, 0 already current\n'); // a decoy has no R
    expect(first.stdout).toContain('challenges.data: 2 re-sealed, 0 already current\n');
    expect(first.stdout).toContain('account_log_heads.mac: 2 re-sealed, 0 already current\n'); // alice's and bob's log heads
    expect(first.stdout).toContain(`OK: 9 re-sealed, 0 already under pepper ${newId}; none left under another pepper\n`);
    const keyIds = await keyIdsIn(server);
    expect(keyIds).toHaveLength(7);
    expect(keyIds.filter(([, id]) => id !== newId)).toEqual([]);

    // Restarted with the new pepper only (and the decoy pepper, which opens nothing).
    const after = serveWith(server, createPepper(NEW, { decoys: OLD }));
    const pin = await recoverPin(new ApiClient(after), 'alice', pinInput('alice-pin'));
    expect(pin.finish?.status).toBe(200);
    expect(pin.finish?.body.wrap).toBe(alice.pin.wrap);
    after.clock.now += STEP; // the enrolment's code is spent
    const totp = await new ApiClient(after).post('/api/recovery/totp/recover', { username: 'alice', code: await currentCode(after, alice.totp.secret) });
    expect(totp.status).toBe(200);
    expect(totp.body).toMatchObject({ r: alice.totp.r, escrowedWrap: alice.totp.escrowedWrap });

    // The prober sees the decoy carry on exactly as a real record would: same salt, same OPRF key, one guess fewer.
    const seen = await probe(after, 'nobody');
    expect(seen).toEqual({ ...before, guessesLeft: before.guessesLeft - 1 });

    // Bob's pending enrolment and registration finish under the new pepper, and his PIN then recovers.
    const bobAfter = Object.assign(new ApiClient(after), { cookie: bob.client.cookie });
    const enrolled = await bobAfter.post('/api/recovery/totp/enroll/finish', {
      enrollmentId: bobEnrol.body.enrollmentId,
      code: await currentCode(after, bobEnrol.body.secret),
      escrowedWrap: 'd3JhcA',
      r: b64(new Uint8Array(32).fill(5)),
    });
    expect(enrolled.status).toBe(200);
    const registered = await bobAfter.post('/api/recovery/pin/register/finish', {
      registrationId: bobRegistration.body.registrationId,
      salt: b64(new Uint8Array(16).fill(1)),
      argon2: ARGON2,
      tag: bobPin.tagFor(bobRegistration.body.evaluatedElement),
      wrap: 'd3JhcA',
    });
    expect(registered.status).toBe(200);
    expect((await recoverPin(new ApiClient(after), 'bob', pinInput('bob-pin'))).finish?.status).toBe(200);

    // Nothing left under the old pepper, so a second run only proves every value opens.
    const second = await rotate(server, { current: NEW, decoys: OLD });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('pin_recovery.sealed_key: 0 re-sealed, 3 already current\n');
    expect(second.stdout).toMatch(/^OK: 0 re-sealed, \d+ already under pepper [0-9a-f]{8}; none left under another pepper$/m);
    expect((await keyIdsIn(server)).filter(([, id]) => id !== newId)).toEqual([]);
  });

  it('exits 1 naming the column and the user when PEPPER_PREVIOUS is wrong, printing no secret and changing nothing (as its own process)', async () => {
    server = await startTestServer(dialect);
    const alice = await recoverableUser('alice');
    const sealedBefore = await sealedValues(server);

    const result = await rotateInOwnProcess(server, { current: NEW, previous: WRONG, decoys: OLD });
    expect(result.code).toBe(1);
    const oldId = createPepper(OLD).keyId;
    expect(result.stdout).toContain(`CANNOT OPEN pin_recovery.sealed_key user=${alice.userId}: sealed under pepper ${oldId}, which is not one this process holds`);
    expect(result.stdout).toContain(`CANNOT OPEN totp_recovery.sealed_secret user=${alice.userId}:`);
    expect(result.stdout).toContain(`CANNOT OPEN totp_recovery.sealed_r user=${alice.userId}:`);
    expect(result.stdout).toContain(`CANNOT OPEN account_log_heads.mac user=${alice.userId}: MACed under pepper ${oldId}, which is not one this process holds`);
    expect(result.stdout).toMatch(/^FAILED: 4 sealed values open with no pepper held \(is PEPPER_PREVIOUS the pepper they were sealed under\?\)/m);
    for (const secret of [b64(OLD), b64(NEW), b64(WRONG), alice.totp.secret, alice.totp.r]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(await sealedValues(server)).toEqual(sealedBefore);

    // --check with the right pepper: every value opens, three would be re-sealed, none is.
    const check = await rotate(server, { current: NEW, previous: OLD, decoys: OLD }, ['--check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('pin_recovery.sealed_key: 1 to re-seal, 0 already current\n');
    expect(check.stdout).toContain('OK: every sealed value opens; 4 under another pepper\n'); // with alice's log head
    expect(await sealedValues(server)).toEqual(sealedBefore);

    // A rotation without a decoy pepper is refused before anything is read.
    const noDecoys = await rotateInOwnProcess(server, { current: NEW, previous: OLD });
    expect(noDecoys.code).toBe(2);
    expect(noDecoys.stderr).toMatch(/^pepper:rotate: PEPPER_PREVIOUS is set but PEPPER_DECOYS is not/);
    expect(noDecoys.stderr).not.toContain(b64(OLD));
  });

  it('runs while a server keeps spending guesses on the same rows: no guess is lost and nothing is left under the old pepper', async () => {
    server = await startTestServer(dialect, { PIN_RECOVERY_GUESSES: '100000', SIGNIN_LIMIT_PER_ADDRESS: '100000', SIGNIN_LIMIT_PER_ACCOUNT: '100000' });
    const alice = await recoverableUser('alice');
    // Enough rows for many pages and transactions.
    const old = createPepper(OLD);
    const rows = Array.from({ length: 1500 }, (_, i) => ({
      subject: `decoy:bulk-${String(i).padStart(5, '0')}`,
      sealed_key: old.seal(newOprfKey(), pinRecoveryKeyContext(`decoy:bulk-${String(i).padStart(5, '0')}`)),
      salt: 'c2FsdA',
      argon2_memory_kib: ARGON2.memoryKiB,
      argon2_iterations: ARGON2.iterations,
      argon2_parallelism: ARGON2.parallelism,
      tag_digest: '00',
      wrap: '',
      guesses_left: 10,
      allowance: 10,
      version: 1,
      updated_at: server.clock.now,
    }));
    for (let i = 0; i < rows.length; i += 250) await server.store.db.insertInto('pin_recovery').values(rows.slice(i, i + 250)).execute();

    const rotating = serveWith(server, createPepper(NEW, { previous: OLD, decoys: OLD }));
    const child = spawnCliProcess('rotate-pepper', cliSettings(server, { current: NEW, previous: OLD, decoys: OLD }));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    let running = true;
    void exited.then(() => (running = false));
    let spent = 0;
    while (running) {
      // On SQLite every query here completes synchronously: yield to the event loop, or the
      // child's exit (an I/O event) would never be seen.
      await new Promise((resolve) => setImmediate(resolve));
      const replies = await Promise.all(Array.from({ length: 4 }, () => startPinRecovery(new ApiClient(rotating), 'alice', pinInput('guess'))));
      for (const { start } of replies) {
        expect(start.status).toBe(200);
        spent++;
      }
    }
    expect(await exited, stdout).toBe(0);
    expect(spent).toBeGreaterThan(0);
    const row = await server.store.db.selectFrom('pin_recovery').select('guesses_left').where('subject', '=', alice.userId).executeTakeFirstOrThrow();
    expect(row.guesses_left).toBe(100000 - spent);
    const newId = createPepper(NEW).keyId;
    expect((await keyIdsIn(server)).filter(([, id]) => id !== newId)).toEqual([]);
    expect((await recoverPin(new ApiClient(serveWith(server, createPepper(NEW, { decoys: OLD }))), 'alice', pinInput('alice-pin'))).finish?.status).toBe(200);
  });
});
