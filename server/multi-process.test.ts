import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ristretto255_oprf } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeBase64Url } from '../protocol/base64url';
import { newDeviceKey, signDeviceChallenge } from '../test/helpers/accounts';
import { DIALECTS } from '../test/helpers/harness';
import { createTestDatabase } from '../test/helpers/postgres';
import { sealedRecord } from '../test/helpers/records';
import { ARGON2, blindPin, pinInput } from '../test/helpers/recovery';
import { withoutPrfOutput } from '../protocol/webauthn';
import { ORIGIN } from '../test/helpers/harness';
import { createAccountOver, ProcessClient, startServerProcess, type ProcessReply, type ServerProcess } from '../test/helpers/server-process';
import { loadConfig } from './config';
import { totpCodeAt } from './domain/totp-codes';
import { openDatabase, type Database } from './store/database';
import type { Dialect } from './store/store';

const ALLOWANCE = 120;
const GUESSES = 200;
/** The processes run on the defaults: 30 s steps, ±1 step, 5 failures in 15 minutes throttle, 20 in a row lock. */
const TOTP = loadConfig({}).totp;
const THROTTLE_WINDOW_MS = TOTP.throttleWindowMs;

/**
 * Two key server processes on ONE database — the same SQLite file, or the same PostgreSQL
 * database (a fresh one on the suite's server) — as two instances behind a load balancer. Every
 * limit lives in the database, so each must hold exactly across the processes: the PIN guess
 * allowance, TOTP single use of a time step, the TOTP throttle and lock; and no request may fail
 * with a 500 (each is a read-then-write transaction racing the other process's).
 */
describe.each(DIALECTS)('two server processes on one %s database', (dialect: Dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-multi-'));
  const processes: ServerProcess[] = [];
  let urls: string[] = [];
  /** The test's own connection, only to stand in for time passing (the processes read the real clock). */
  let database: Database;
  let names = 0;
  const url = (i: number) => urls[i % 2]!;
  const expectCode = (reply: ProcessReply, status: number, code: string) => {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.body.error.code).toBe(code);
  };

  beforeAll(async () => {
    // Load shedding off: a burst of 200 PIN evaluations is more work at once than SHED_MAX_LAG_MS
    // lets a process take on (it would rightly refuse some with 503), and this file checks that
    // every limit holds exactly, not overload (server/http/load-shed.test.ts does).
    const env: Record<string, string> = { DATA_DIR: dir, SIGNIN_LIMIT_PER_ACCOUNT: '100000', SIGNIN_LIMIT_PER_ADDRESS: '100000', PIN_RECOVERY_GUESSES: String(ALLOWANCE), SHED_MAX_LAG_MS: '600000' };
    const databaseUrl = dialect === 'postgres' ? await createTestDatabase(inject('pgUrl')) : undefined;
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    // One after the other: the first creates the pepper file and migrates, the second reuses them.
    for (let i = 0; i < 2; i++) processes.push(await startServerProcess(env));
    urls = processes.map((p) => p.url);
    database = databaseUrl ? openDatabase({ postgresUrl: databaseUrl, poolSize: 1 }) : openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function hammerPinRecovery(username: string): Promise<Array<ProcessReply<{ guessesLeft?: number; error?: { code: string } }>>> {
    const blinded = () => encodeBase64Url(ristretto255_oprf.oprf.blind(crypto.getRandomValues(new Uint8Array(32))).blinded);
    return Promise.all(Array.from({ length: GUESSES }, (_, i) => new ProcessClient().post(url(i), '/api/recovery/pin/start', { username, blindedElement: blinded() })));
  }

  it('spends exactly the allowance of PIN-recovery guesses when both processes are hammered at once', async () => {
    const owner = new ProcessClient();
    const username = `pinner${++names}`;
    await createAccountOver(owner, url(0), username);
    const right = blindPin(pinInput('the right PIN'));
    const start = await owner.post(url(1), '/api/recovery/pin/register/start', { blindedElement: right.blindedElement });
    const finish = await owner.post(url(0), '/api/recovery/pin/register/finish', {
      registrationId: start.body.registrationId,
      salt: encodeBase64Url(crypto.getRandomValues(new Uint8Array(16))),
      argon2: ARGON2,
      tag: right.tagFor(start.body.evaluatedElement),
      wrap: encodeBase64Url(crypto.getRandomValues(new Uint8Array(61))),
    });
    expect(finish.body).toMatchObject({ guessesLeft: ALLOWANCE });

    const replies = await hammerPinRecovery(username);
    expect(replies.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
    const served = replies.filter((r) => r.status === 200);
    // Each evaluation follows its own spent guess: the guesses left count down with no repeat.
    expect(served.map((r) => r.body.guessesLeft).sort((a, b) => a! - b!)).toEqual(Array.from({ length: ALLOWANCE }, (_, i) => i));
    expect(replies.filter((r) => r.status === 423).map((r) => r.body.error?.code)).toEqual(Array(GUESSES - ALLOWANCE).fill('pin_recovery_locked'));
    for (const base of urls) expectCode(await new ProcessClient().post(base, '/api/recovery/pin/params', { username }), 423, 'pin_recovery_locked');
  });

  it('signs devices in through both processes at once without a 500 (each sign-in a read-then-write transaction)', async () => {
    const client = new ProcessClient();
    await createAccountOver(client, url(0), `twoprocs${++names}`);
    const key = await newDeviceKey();
    const device = await client.post(url(1), '/api/devices', { name: 'Phone', publicKey: key.publicKey });
    expect(device.status).toBe(200);

    const signIn = async (i: number) => {
      const agent = new ProcessClient();
      const challenge = await agent.post(url(i), '/api/devices/challenge', { deviceId: device.body.id });
      const signature = await signDeviceChallenge(key.privateKey, challenge.body.challenge);
      return agent.post(url(i + 1), '/api/devices/signin', { deviceId: device.body.id, challenge: challenge.body.challenge, signature });
    };
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(i)));
    expect(replies.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
  });

  /** An account with a key bundle and an authenticator app enrolled (on the other process), as the app leaves it. */
  async function enrolledTotpUser() {
    const owner = new ProcessClient();
    const username = `totper${++names}`;
    const { userId } = await createAccountOver(owner, url(0), username);
    expect((await owner.call(url(1), 'PUT', '/api/backup/key-bundle', { blob: 'a2V5LWJ1bmRsZQ', expectedVersion: 0 })).status).toBe(200);
    const start = await owner.post(url(1), '/api/recovery/totp/enroll/start');
    const secret = start.body.secret as string;
    const r = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    const finish = await owner.post(url(0), '/api/recovery/totp/enroll/finish', {
      enrollmentId: start.body.enrollmentId,
      code: await totpCodeAt(TOTP, secret, Date.now()),
      escrowedWrap: 'd3JhcA',
      r,
    });
    expect(finish.status).toBe(200);
    return { username, userId, secret, r };
  }
  const recover = (base: string, username: string, code: string) => new ProcessClient().post(base, '/api/recovery/totp/recover', { username, code });
  /** The code of the step after the current one: the enrolment spent the current step, and ±1 step is accepted. */
  const nextCode = (secret: string) => totpCodeAt(TOTP, secret, Date.now() + TOTP.periodSeconds * 1000);
  /** A code no step near now yields. */
  async function wrongCode(secret: string): Promise<string> {
    const near = await Promise.all([-2, -1, 0, 1, 2].map((k) => totpCodeAt(TOTP, secret, Date.now() + k * TOTP.periodSeconds * 1000)));
    for (let n = 0; ; n++) {
      const candidate = String(n).padStart(TOTP.digits, '0');
      if (!near.includes(candidate)) return candidate;
    }
  }
  /** Moves the account's throttle window into the past: what waiting out the 15 minutes does. */
  const waitOutThrottle = (userId: string) =>
    database.db.updateTable('totp_recovery').set((eb) => ({ window_start: eb('window_start', '-', THROTTLE_WINDOW_MS) })).where('subject', '=', userId).execute();

  it('accepts a TOTP code once: the same code sent to both processes at once wins once, and a replay on either is refused', async () => {
    const user = await enrolledTotpUser();
    const code = await nextCode(user.secret);
    const replies = await Promise.all(urls.map((base) => recover(base, user.username, code)));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(replies.find((r) => r.status === 200)!.body).toMatchObject({ r: user.r, escrowedWrap: 'd3JhcA' });
    expect(replies.find((r) => r.status === 401)!.body.error.code).toBe('totp_replayed');
    for (const base of urls) expectCode(await recover(base, user.username, code), 401, 'totp_replayed');
  });

  it('throttles TOTP recovery after 5 failures split across the processes, and locks it after 20 in a row', async () => {
    const user = await enrolledTotpUser();
    const wrong = await wrongCode(user.secret);
    // Five wrong codes, alternating processes, then even the right code is throttled on both.
    for (let i = 0; i < 5; i++) expectCode(await recover(url(i), user.username, wrong), 401, 'totp_invalid');
    for (const base of urls) {
      const throttled = await recover(base, user.username, await nextCode(user.secret));
      expectCode(throttled, 429, 'totp_throttled');
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Two more windows, each a burst across both processes at once: exactly 5 failures count per window.
    for (let round = 0; round < 2; round++) {
      await waitOutThrottle(user.userId);
      const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => recover(url(i), user.username, wrong)));
      expect(burst.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
      expect(burst.filter((r) => r.status === 401).map((r) => r.body.error.code)).toEqual(Array(5).fill('totp_invalid'));
      expect(burst.filter((r) => r.status === 429).map((r) => r.body.error.code)).toEqual(Array(5).fill('totp_throttled'));
    }
    // Failures 16 to 19, and the 20th in a row locks the route.
    await waitOutThrottle(user.userId);
    for (let i = 0; i < 4; i++) expectCode(await recover(url(i), user.username, wrong), 401, 'totp_invalid');
    expectCode(await recover(url(1), user.username, wrong), 423, 'totp_locked');
    await waitOutThrottle(user.userId);
    for (const base of urls) expectCode(await recover(base, user.username, await nextCode(user.secret)), 423, 'totp_locked');
  });

  it('signs in with a passkey across the processes (options on one, verify on the other) and refuses a replayed assertion on either', async () => {
    const owner = new ProcessClient();
    const username = `passkeyer${++names}`;
    const { authenticator } = await createAccountOver(owner, url(0), username);
    const agent = new ProcessClient();
    const options = await agent.post(url(0), '/api/passkeys/signin/options', { username });
    const response = withoutPrfOutput(await authenticator.authenticate(options.body, { origin: ORIGIN }));
    const verified = await agent.post(url(1), '/api/passkeys/signin/verify', { response });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    // The same signed assertion again, on each process: its challenge was spent on the other.
    for (const base of urls) {
      const replay = await new ProcessClient().post(base, '/api/passkeys/signin/verify', { response });
      expect(replay.status).toBe(400);
      expect(replay.body.error.code).toBe('challenge_invalid');
    }
  });

  it('holds record compare-and-set across the processes: one write per version wins, and both serve the same feed', async () => {
    const client = new ProcessClient();
    await createAccountOver(client, url(0), `syncer${++names}`);
    const id = 'cmVjb3JkLWlk';
    // 40 creates of one id at once, half on each process: exactly one lands.
    const creates = await Promise.all(Array.from({ length: 40 }, (_, i) => client.call(url(i), 'PUT', `/api/records/${id}`, { expectedVersion: 0, ...sealedRecord() })));
    expect(creates.map((r) => r.status).filter((s) => s >= 500)).toEqual([]);
    expect(creates.filter((r) => r.status === 200)).toHaveLength(1);
    expect(creates.filter((r) => r.status === 409).map((r) => r.body.error.current?.version)).toEqual(Array(39).fill(1));
    // Then a race per version, alternating which process each writer talks to: one winner each time.
    for (let version = 1; version <= 5; version++) {
      const race = await Promise.all(Array.from({ length: 6 }, (_, i) => client.call(url(i + version), 'PUT', `/api/records/${id}`, { expectedVersion: version, ...sealedRecord() })));
      expect(race.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      expect(race.find((r) => r.status === 200)!.body.version).toBe(version + 1);
    }
    const feeds = await Promise.all(urls.map((base) => client.get(base, '/api/records/changes?after=0')));
    expect(feeds[0]!.body).toEqual(feeds[1]!.body);
    expect(feeds[0]!.body.changes).toEqual([expect.objectContaining({ id, version: 6, seq: 6, deleted: false })]);
  });
});
