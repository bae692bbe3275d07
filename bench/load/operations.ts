/**
 * The key server operations under load, as sequences of steps (steps.ts): each one a request the
 * app makes, with the data a real client would send, taking turns over the seeded accounts.
 */
import { newRecordId, sealedRecord } from '../../test/helpers/records';
import { signDeviceChallengeSync, type SeededDevice } from '../lib/seed-account';
import type { BlindedPool } from './blinded-pool';
import { RECORD_BYTES, type Population } from './population';
import type { RecordSlot, Sequence, Step } from './steps';

/** Round robin over a list, shared by every connection. */
function turns<T>(items: readonly T[]): () => T {
  let next = 0;
  return () => items[next++ % items.length]!;
}

const ok = (status: number) => status >= 200 && status < 300;

export interface Operations {
  backup: Sequence;
  /** `POST /api/devices/challenge`, then `POST /api/devices/signin` with the challenge signed by the device. */
  signIn: Sequence;
  recovery: Sequence;
  pull: Sequence;
  push: Sequence;
  /** New records created by the push because every prepared slot was busy or lost (see `push`). */
  createdDuringRuns(): number;
}

export function operations(p: Population, blinded: BlindedPool): Operations {
  const cookies = turns(p.accounts.map((a) => a.cookie));
  const devices = turns<SeededDevice>(p.accounts.flatMap((a) => a.devices));
  const usernames = turns(p.accounts.map((a) => a.username));

  const backup: Step = { kind: 'backup fetch', method: 'GET', build: () => ({ path: '/api/backup', headers: { cookie: cookies() } }) };

  const challenge: Step = {
    kind: 'sign-in: challenge',
    method: 'POST',
    build: (ctx) => {
      ctx.device = devices();
      ctx.challenge = undefined;
      return { path: '/api/devices/challenge', body: JSON.stringify({ deviceId: ctx.device.deviceId }) };
    },
    handle: (status, body, ctx) => {
      if (ok(status)) ctx.challenge = (JSON.parse(body) as { challenge: string }).challenge;
    },
  };
  const signIn: Step = {
    kind: 'sign-in: signed sign-in',
    method: 'POST',
    build: (ctx) => {
      if (!ctx.device || !ctx.challenge) return undefined;
      // node:crypto, synchronously: the same P1363 ECDSA P-256 signature the app makes with WebCrypto.
      const signature = signDeviceChallengeSync(ctx.device.keyObject, p.origin, ctx.challenge);
      return { path: '/api/devices/signin', body: JSON.stringify({ deviceId: ctx.device.deviceId, challenge: ctx.challenge, signature }) };
    },
  };

  const recovery: Step = {
    kind: 'PIN recovery: start (evaluation)',
    method: 'POST',
    build: () => ({ path: '/api/recovery/pin/start', body: JSON.stringify({ username: usernames(), blindedElement: blinded.take() }) }),
  };

  const pull: Step = {
    kind: 'sync pull',
    method: 'GET',
    build: () => ({ path: `/api/records/changes?after=${p.vault.after}&limit=1000`, headers: { cookie: p.vault.cookie } }),
  };

  // Each request takes a free slot (a record no other request is writing) and gives it back with
  // its new version when the reply comes, so versions advance without conflicts however many
  // connections there are. A slot whose reply never came (timeout, end of a run) is not reused;
  // when none is free a new record is created (expectedVersion 0) on the next account in turn.
  const free = [...p.slots];
  let created = 0;
  const push: Step = {
    kind: 'sync push',
    method: 'PUT',
    build: (ctx) => {
      let slot: RecordSlot | undefined = free.pop();
      if (!slot) {
        slot = { id: newRecordId(), cookie: cookies(), version: 0 };
        created++;
      }
      ctx.slot = slot;
      return { path: `/api/records/${slot.id}`, headers: { cookie: slot.cookie }, body: JSON.stringify({ expectedVersion: slot.version, ...sealedRecord(RECORD_BYTES) }) };
    },
    handle: (status, body, ctx) => {
      const slot = ctx.slot!;
      if (ok(status)) slot.version = (JSON.parse(body) as { version: number }).version;
      else if (status === 409) slot.version = (JSON.parse(body) as { error: { currentVersion?: number } }).error.currentVersion ?? slot.version;
      free.push(slot);
    },
  };

  return { backup: [backup], signIn: [challenge, signIn], recovery: [recovery], pull: [pull], push: [push], createdDuringRuns: () => created };
}

/**
 * The soak's mix, in the order each connection (closed loop) or the pacer (open loop) takes it:
 * 9 actions, 10 requests — 4 pulls, 2 pushes, 1 backup fetch, 1 device sign-in (2 requests),
 * 1 PIN recovery evaluation. Devices sync far more often than they sign in; recovery is the
 * rarest action but the most expensive request, and is in the mix so its path is soaked too.
 */
export function mixOf(ops: Operations): Sequence[] {
  return [ops.pull, ops.push, ops.pull, ops.backup, ops.signIn, ops.pull, ops.push, ops.pull, ops.recovery];
}
