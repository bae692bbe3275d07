/**
 * `npm run bench:signin`: what the signed account log costs a sign-in (issue 14 item 2). One key
 * server in this process (requests through `app.request`, no sockets, so the figures are the
 * server's own work), one account with a signed log and one without, and for each the two sign-ins
 * the log guards: a device sign-in (ECDSA P-256 over a challenge) and a passkey sign-in (a real
 * WebAuthn assertion from the software authenticator, verified by @simplewebauthn/server). The four
 * cases run interleaved, round after round, so the machine's noise falls on all of them alike; only
 * the verifying request is timed (the challenge, the options and the signing are not).
 *
 * Options (after `npm run bench:signin --`): --runs=<n> timed rounds (default 500), --warmup=<n>
 * untimed rounds first (default 100), --log-devices=<n> extra devices in the logged account's log
 * (default 20, so its sealed state is not trivially small), --postgres (PostgreSQL as well as
 * SQLite; needs its server binaries), --write (rewrite the section in BENCHMARKS.md; off by default:
 * figures belong there only from a quiet machine).
 */
import type { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { withoutPrfOutput } from '../protocol/webauthn';
import { buildApp } from '../server/app';
import { loadConfig } from '../server/config';
import { readLogHead } from '../server/domain/account-log-head';
import { createPepper } from '../server/domain/pepper';
import { silentLogger } from '../server/http/logger';
import { migrateToLatest, openDatabase } from '../server/store/database';
import type { Dialect } from '../server/store/store';
import { createLoggedAccount, deviceAdd } from '../test/helpers/account-log';
import { createAccount, newDeviceKey, registerDevice, signDeviceChallenge } from '../test/helpers/accounts';
import { ApiClient, ORIGIN, RP_ID, type TestServer } from '../test/helpers/harness';
import { createTestDatabase, startPostgres } from '../test/helpers/postgres';
import type { SoftAuthenticator } from '../test/helpers/soft-authenticator';
import { Cleanups, runBench, writeBenchmarkSection } from './lib/benchmarks-file';
import { describeMachine } from './lib/machine';
import { CASES, printSigninReport, renderSigninSection, SIGNIN_HEADING, type CaseName, type SigninRun } from './lib/signin-report';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  runs: number;
  warmup: number;
  logDevices: number;
  postgres: boolean;
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { runs: 500, warmup: 100, logDevices: 20, postgres: false, write: false };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    const number = Number(value);
    const count = Number.isInteger(number) && number >= 0;
    if (flag === '--postgres') opts.postgres = true;
    else if (flag === '--write') opts.write = true;
    else if (flag === '--runs' && count && number > 0) opts.runs = number;
    else if (flag === '--warmup' && count) opts.warmup = number;
    else if (flag === '--log-devices' && count) opts.logDevices = number;
    else throw new Error(`unknown option ${arg}`);
  }
  return opts;
}

const cleanups = new Cleanups();
const PEPPER = createPepper(new Uint8Array(32).fill(7));

/** The key server in this process on a fresh database (as test/helpers/harness.ts builds it, without Vitest). */
async function keyServer(dialect: Dialect, postgresUrl?: string): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kh-bench-signin-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const database = postgresUrl ? openDatabase({ postgresUrl, poolSize: 5 }) : openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
  cleanups.push(() => database.close());
  await migrateToLatest(database.db);
  const limits = { SIGNIN_LIMIT_PER_ACCOUNT: '1000000000', SIGNIN_LIMIT_PER_ADDRESS: '1000000000' };
  const config = loadConfig({ DATA_DIR: dir, ORIGIN, RP_ID, STATIC_DIR: '', LOG_REQUESTS: 'false', ...limits });
  const clock = { now: Date.now() };
  const { app, apps } = buildApp({ store: database.store, config, pepper: PEPPER, log: silentLogger, version: 'bench', now: () => clock.now });
  return { dialect, databaseUrl: postgresUrl, store: database.store, config, clock, app, apps, close: () => database.close() };
}

interface Account {
  userId: string;
  username: string;
  authenticator: SoftAuthenticator;
  deviceId: string;
  privateKey: webcrypto.CryptoKey;
}

/** A logged account: genesis with its passkey and device, then `extraDevices` more devices signed in. */
async function loggedAccount(server: TestServer, extraDevices: number): Promise<Account> {
  const user = await createLoggedAccount(server, 'logged');
  for (let i = 0; i < extraDevices; i++) {
    const key = await newDeviceKey();
    await user.client.post('/api/devices', { name: `Device ${i}`, publicKey: key.publicKey });
    const added = await user.signer.append(user.client, [deviceAdd(key.publicKey)]);
    if (added.status !== 200) throw new Error(`account log append ${added.status}`);
  }
  return { userId: user.userId, username: user.username, authenticator: user.authenticator, deviceId: user.device.deviceId, privateKey: user.device.privateKey };
}

async function unloggedAccount(server: TestServer): Promise<Account> {
  const user = await createAccount(server, 'unlogged');
  const device = await registerDevice(user, 'Phone');
  return { userId: user.userId, username: user.username, authenticator: user.authenticator, deviceId: device.deviceId, privateKey: device.privateKey };
}

/** Times `request` (ms); throws unless it answered 200. */
async function timed(request: () => Promise<{ status: number }>): Promise<number> {
  const started = performance.now();
  const reply = await request();
  const ms = performance.now() - started;
  if (reply.status !== 200) throw new Error(`sign-in answered ${reply.status}`);
  return ms;
}

async function deviceSignIn(server: TestServer, account: Account): Promise<number> {
  const client = new ApiClient(server);
  const { body } = await client.post('/api/devices/challenge', { deviceId: account.deviceId });
  const signature = await signDeviceChallenge(account.privateKey, body.challenge);
  return timed(() => client.post('/api/devices/signin', { deviceId: account.deviceId, challenge: body.challenge, signature }));
}

async function passkeySignIn(server: TestServer, account: Account): Promise<number> {
  const client = new ApiClient(server);
  const options = await client.post('/api/passkeys/signin/options', { username: account.username });
  const response: AuthenticationResponseJSON = await account.authenticator.authenticate(options.body, { origin: ORIGIN });
  return timed(() => client.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response) }));
}

async function benchDatabase(label: string, server: TestServer, opts: Options): Promise<SigninRun> {
  const logged = await loggedAccount(server, opts.logDevices);
  const unlogged = await unloggedAccount(server);
  const cases: Record<CaseName, () => Promise<number>> = {
    'device/logged': () => deviceSignIn(server, logged),
    'device/unlogged': () => deviceSignIn(server, unlogged),
    'passkey/logged': () => passkeySignIn(server, logged),
    'passkey/unlogged': () => passkeySignIn(server, unlogged),
  };
  const samples = Object.fromEntries(CASES.map((c) => [c, [] as number[]])) as Record<CaseName, number[]>;
  for (let round = 0; round < opts.warmup + opts.runs; round++) {
    // Rotate the order each round, so no case always runs right after the same one.
    for (let i = 0; i < CASES.length; i++) {
      const name = CASES[(round + i) % CASES.length]!;
      const ms = await cases[name]();
      if (round >= opts.warmup) samples[name].push(ms);
    }
    if ((round + 1) % 100 === 0) console.error(`${label}: ${round + 1}/${opts.warmup + opts.runs} rounds`);
  }
  // The check alone, as a sign-in runs it: what the log adds to the code before it (which had none).
  const headCheck = { logged: [] as number[], unlogged: [] as number[] };
  for (let round = 0; round < opts.warmup + opts.runs; round++) {
    for (const [kind, account] of [['logged', logged], ['unlogged', unlogged]] as const) {
      const started = performance.now();
      const head = await readLogHead(server.store, PEPPER, account.userId);
      const ms = performance.now() - started;
      if ('problem' in head) throw new Error(`head of ${kind}: ${head.problem}`);
      if (round >= opts.warmup) headCheck[kind].push(ms);
    }
  }
  return { database: label, samples, headCheck };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const machine = describeMachine();
  const runs: SigninRun[] = [await benchDatabase('SQLite', await keyServer('sqlite'), opts)];
  if (opts.postgres) {
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    runs.push(await benchDatabase('PostgreSQL', await keyServer('postgres', await createTestDatabase(postgres.url)), opts));
  }
  await cleanups.run();
  const report = { machine, runs, options: { runs: opts.runs, warmup: opts.warmup, logDevices: opts.logDevices } };
  printSigninReport(report);
  if (opts.write) writeBenchmarkSection(join(ROOT, 'BENCHMARKS.md'), SIGNIN_HEADING, renderSigninSection(report));
}

runBench('bench:signin', main, cleanups);
