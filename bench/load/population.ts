import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import { ARGON2, blindPin, pinInput } from '../../test/helpers/recovery';
import { newRecordId, sealedRecord } from '../../test/helpers/records';
import { BrowserClient } from '../lib/browser-client';
import { seedAccount, type SeededDevice } from '../lib/seed-account';
import type { RecordSlot } from './steps';

/** Ciphertext bytes of a record: 480 bytes = 640 base64url characters, the size of bench:client's logins. */
export const RECORD_BYTES = 480;

/** An account as the load sees it: signs in with its devices, fetches its backup, writes records, recovers by PIN. */
export interface LoadAccount {
  username: string;
  devices: SeededDevice[];
  /** `kh_session=…` of a device session; a secret, never printed. */
  cookie: string;
}

export interface Population {
  origin: string;
  accounts: LoadAccount[];
  /** The account whose vault the pull reads: `records` live records, none changing during the runs. */
  vault: { cookie: string; records: number; after: number; changesPerPull: number };
  /** Records created beforehand (version 1) for the push runs, spread over the accounts. */
  slots: RecordSlot[];
}

export interface PopulationShape {
  accounts: number;
  devicesPerAccount: number;
  vaultRecords: number;
  changesPerPull: number;
  slots: number;
}

/** Runs `work(i)` for i in [0, count) with at most `parallel` at a time. */
async function inParallel(count: number, parallel: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) await work(next++);
  }));
}

/** Registers PIN recovery through the real two steps (start, finish) under a device session. */
async function registerPinRecovery(client: BrowserClient): Promise<void> {
  const blinded = blindPin(pinInput('bench-load-pin'));
  const started = await client.expectOk('PIN registration start', 'POST', '/api/recovery/pin/register/start', { blindedElement: blinded.blindedElement });
  await client.expectOk('PIN registration finish', 'POST', '/api/recovery/pin/register/finish', {
    registrationId: started.registrationId,
    salt: encodeBase64Url(randomBytes(16)),
    argon2: ARGON2,
    tag: blinded.tagFor(started.evaluatedElement),
    wrap: encodeBase64Url(randomBytes(61)),
  });
}

/** Writes a new record (expectedVersion 0) and returns its slot at version 1. */
async function createRecord(client: BrowserClient, cookie: string): Promise<RecordSlot> {
  const id = newRecordId();
  const written = await client.expectOk('record create', 'PUT', `/api/records/${id}`, { expectedVersion: 0, ...sealedRecord(RECORD_BYTES) });
  return { id, cookie, version: written.version as number };
}

/**
 * Everything through the real API, as the app would leave it: `accounts` accounts (passkey, key
 * bundle, PRF wrap, devices, PIN recovery), one more account with a vault of `vaultRecords`
 * records for the pull, and `slots` records spread over the accounts for the push.
 */
export async function seedPopulation(baseUrl: string, origin: string, shape: PopulationShape): Promise<Population> {
  const accounts: LoadAccount[] = [];
  await inParallel(shape.accounts, 4, async (i) => {
    const username = `load-user-${i}`;
    const seeded = await seedAccount(baseUrl, origin, username, shape.devicesPerAccount);
    const client = new BrowserClient(baseUrl, origin);
    client.cookie = seeded.deviceCookie;
    await registerPinRecovery(client);
    accounts[i] = { username, devices: seeded.devices, cookie: seeded.deviceCookie };
  });

  const owner = await seedAccount(baseUrl, origin, 'load-vault', 1);
  const vaultClient = new BrowserClient(baseUrl, origin);
  vaultClient.cookie = owner.deviceCookie;
  await inParallel(shape.vaultRecords, 8, async () => {
    await createRecord(vaultClient, owner.deviceCookie);
  });
  const page = await vaultClient.expectOk('vault pull', 'GET', `/api/records/changes?after=0&limit=${shape.vaultRecords}`);
  const changes = page.changes as Array<{ seq: number }>;
  if (changes.length !== shape.vaultRecords) throw new Error(`vault holds ${changes.length} records, expected ${shape.vaultRecords}`);
  const after = changes[changes.length - shape.changesPerPull - 1]!.seq;

  const slots: RecordSlot[] = [];
  await inParallel(shape.slots, 8, async (i) => {
    const { cookie } = accounts[i % accounts.length]!;
    const client = new BrowserClient(baseUrl, origin);
    client.cookie = cookie;
    slots[i] = await createRecord(client, cookie);
  });

  return { origin, accounts, vault: { cookie: owner.deviceCookie, records: shape.vaultRecords, after, changesPerPull: shape.changesPerPull }, slots };
}
