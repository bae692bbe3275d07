import { ACCOUNT_LOG_HEAD_MAC_CONTEXT } from '../../protocol/constants';
import { pageLogHeads, swapLogHeadMac, type AccountLogHeadRow } from '../store/account-log';
import { pageSealedPinKeys, swapSealedPinKey } from '../store/pin-recovery';
import { inTransaction, type Store } from '../store/store';
import { pageSealedTotpValues, swapSealedTotpValues } from '../store/totp-recovery';
import { headMacInput } from './account-log-head';
import { SealError, type Pepper } from './pepper';
import { pinRecoveryKeyContext } from './pin-recovery';
import { totpEscrowKeyContext, totpSecretContext } from './totp';

/*
 * Pepper rotation (SECURITY.md "Rotating the pepper"): every value sealed under the pepper is
 * opened with whichever pepper the process holds that sealed it, and sealed again under the
 * current one. Where sealed values live:
 *   pin_recovery.sealed_key           k_u of each PIN recovery record, real and decoy
 *   totp_recovery.sealed_secret/_r    the TOTP secret and R of each record (R empty for a decoy)
 *   challenges.data                   k_u of a pending PIN registration, the secret of a pending
 *                                     TOTP enrolment (minutes-long, but re-sealed all the same)
 *   account_log_heads.mac             not sealed but MACed: each account log head is verified under
 *                                     the pepper its key id names and MACed again under the current one
 *
 * Decoy rows are re-sealed like real ones and keep their subject, salt, counters and OPRF key: the
 * decoy pepper is not rotated (pepper.ts), so the same username still finds the same decoy, and a
 * prober sees nothing change across a rotation — for decoys exactly as for real accounts.
 *
 * Safe while servers run: each page is read, opened and sealed outside any transaction, then
 * written in one short transaction where every write is a compare-and-set on the sealed value
 * itself and touches no other column. A record a server replaced meanwhile is left alone (its
 * writer sealed it under the current pepper); a guess spent or a time step accepted meanwhile is
 * kept. Idempotent: a value already under the current pepper is only opened (to prove it opens).
 */

/** Where one sealed value lives, for reports: the column, and the user (or decoy subject) it belongs to. */
export interface SealedValueRef {
  column: 'pin_recovery.sealed_key' | 'totp_recovery.sealed_secret' | 'totp_recovery.sealed_r' | 'challenges.data' | 'account_log_heads.mac';
  /** `user=<id>`, `subject=decoy:…` or `challenge of user=<id>`: names whose value it is, never the value. */
  owner: string;
}

export interface RotationReport {
  /** Per column: re-sealed under the current pepper, found already under it, changed by a server meanwhile. */
  counts: Record<SealedValueRef['column'], { resealed: number; current: number; raced: number }>;
  /** Values no held pepper opens: left as they are. Reasons name key ids only. */
  failures: Array<SealedValueRef & { reason: string }>;
}

type Reseal = { kind: 'current' } | { kind: 'resealed'; value: string } | { kind: 'failed'; reason: string };

/** Opens `sealed` and, unless the current pepper sealed it, seals it again; the plaintext is wiped after. */
function reseal(pepper: Pepper, sealed: string, context: string): Reseal {
  let plaintext: Uint8Array;
  try {
    plaintext = pepper.open(sealed, context);
  } catch (error) {
    if (error instanceof SealError) return { kind: 'failed', reason: error.message };
    throw error;
  }
  try {
    return pepper.sealedWith(sealed) === pepper.keyId ? { kind: 'current' } : { kind: 'resealed', value: pepper.seal(plaintext, context) };
  } finally {
    plaintext.fill(0);
  }
}

const owner = (subject: string) => (subject.startsWith('decoy:') ? `subject=${subject}` : `user=${subject}`);

/**
 * Re-seals every sealed value in the database under `pepper`'s current key, `batchSize` rows per
 * transaction. With `write: false` it only opens and counts (a check before or after a rotation).
 * Returns counts and the values that did not open; never a secret.
 */
export async function resealUnderCurrentPepper(store: Store, pepper: Pepper, opts: { batchSize?: number; write?: boolean } = {}): Promise<RotationReport> {
  const batchSize = opts.batchSize ?? 100;
  const write = opts.write ?? true;
  const zero = () => ({ resealed: 0, current: 0, raced: 0 });
  const report: RotationReport = {
    counts: {
      'pin_recovery.sealed_key': zero(),
      'totp_recovery.sealed_secret': zero(),
      'totp_recovery.sealed_r': zero(),
      'challenges.data': zero(),
      'account_log_heads.mac': zero(),
    },
    failures: [],
  };
  /** Counts one outcome; returns the value to store, or `undefined` to leave it. */
  const tally = (ref: SealedValueRef, outcome: Reseal): string | undefined => {
    if (outcome.kind === 'failed') {
      report.failures.push({ ...ref, reason: outcome.reason });
      return undefined;
    }
    if (outcome.kind === 'current') {
      report.counts[ref.column].current++;
      return undefined;
    }
    return outcome.value;
  };
  /** Applies one page's compare-and-set writes in one transaction and counts what each did. */
  const commit = async (swaps: Array<{ columns: SealedValueRef['column'][]; swap: (tx: Store) => Promise<boolean> }>) => {
    if (swaps.length === 0) return;
    const results = write
      ? await inTransaction(store, async (tx) => {
          const done: boolean[] = [];
          for (const s of swaps) done.push(await s.swap(tx));
          return done;
        })
      : swaps.map(() => true);
    swaps.forEach((s, i) => s.columns.forEach((column) => report.counts[column][results[i] ? 'resealed' : 'raced']++));
  };

  for (let after = ''; ; ) {
    const page = await pageSealedPinKeys(store, after, batchSize);
    if (page.length === 0) break;
    after = page[page.length - 1]!.subject;
    const swaps = page.flatMap((row) => {
      const column = 'pin_recovery.sealed_key' as const;
      const next = tally({ column, owner: owner(row.subject) }, reseal(pepper, row.sealed_key, pinRecoveryKeyContext(row.subject)));
      return next === undefined ? [] : [{ columns: [column], swap: (tx: Store) => swapSealedPinKey(tx, row.subject, row.sealed_key, next) }];
    });
    await commit(swaps);
  }

  for (let after = ''; ; ) {
    const page = await pageSealedTotpValues(store, after, batchSize);
    if (page.length === 0) break;
    after = page[page.length - 1]!.subject;
    const swaps = page.flatMap((row) => {
      const secret = tally({ column: 'totp_recovery.sealed_secret', owner: owner(row.subject) }, reseal(pepper, row.sealed_secret, totpSecretContext(row.subject)));
      // A decoy has no R (empty): nothing sealed, nothing to re-seal.
      const r = row.sealed_r === '' ? undefined : tally({ column: 'totp_recovery.sealed_r', owner: owner(row.subject) }, reseal(pepper, row.sealed_r, totpEscrowKeyContext(row.subject)));
      if (secret === undefined && r === undefined) return [];
      const columns = [...(secret === undefined ? [] : (['totp_recovery.sealed_secret'] as const)), ...(r === undefined ? [] : (['totp_recovery.sealed_r'] as const))];
      const from = { sealed_secret: row.sealed_secret, sealed_r: row.sealed_r };
      const to = { sealed_secret: secret ?? row.sealed_secret, sealed_r: r ?? row.sealed_r };
      return [{ columns, swap: (tx: Store) => swapSealedTotpValues(tx, row.subject, from, to) }];
    });
    await commit(swaps);
  }

  // Pending PIN registrations and TOTP enrolments carry a sealed value in their JSON `data`.
  const pendingField = { pin_register: ['sealedKey', pinRecoveryKeyContext], totp_enroll: ['sealedSecret', totpSecretContext] } as const;
  for (let after = ''; ; ) {
    const page = await store.db
      .selectFrom('challenges')
      .select(['challenge', 'purpose', 'user_id', 'data'])
      .where('purpose', 'in', ['pin_register', 'totp_enroll'])
      .where('challenge', '>', after)
      .orderBy('challenge')
      .limit(batchSize)
      .execute();
    if (page.length === 0) break;
    after = page[page.length - 1]!.challenge;
    const swaps = page.flatMap((row) => {
      const [field, context] = pendingField[row.purpose as keyof typeof pendingField];
      const data = JSON.parse(row.data) as Record<string, string>;
      const ref = { column: 'challenges.data' as const, owner: `challenge of user=${row.user_id ?? ''}` };
      const next = tally(ref, reseal(pepper, data[field]!, context(row.user_id ?? '')));
      if (next === undefined) return [];
      const nextData = JSON.stringify({ ...data, [field]: next });
      const swap = async (tx: Store) =>
        (await tx.db.updateTable('challenges').set({ data: nextData }).where('challenge', '=', row.challenge).where('data', '=', row.data).executeTakeFirst()).numUpdatedRows === 1n;
      return [{ columns: [ref.column], swap }];
    });
    await commit(swaps);
  }
  for (let after = ''; ; ) {
    const page = await pageLogHeads(store, after, batchSize);
    if (page.length === 0) break;
    after = page[page.length - 1]!.user_id;
    const swaps = page.flatMap((row) => {
      const ref = { column: 'account_log_heads.mac' as const, owner: `user=${row.user_id}` };
      const next = tally(ref, remac(pepper, row));
      return next === undefined ? [] : [{ columns: [ref.column], swap: (tx: Store) => swapLogHeadMac(tx, row.user_id, row.mac, next) }];
    });
    await commit(swaps);
  }
  return report;
}

/** A log head's MAC checked under the pepper it names and, unless that is the current one, made again under the current one. */
function remac(pepper: Pepper, row: AccountLogHeadRow): Reseal {
  const keyId = pepper.macKeyId(row.mac);
  if (!pepper.verifyMac(ACCOUNT_LOG_HEAD_MAC_CONTEXT, headMacInput(row), row.mac)) {
    return { kind: 'failed', reason: keyId !== null && pepper.keyIds.includes(keyId) ? `MACed under pepper ${keyId}, but it does not verify: altered` : `MACed under pepper ${keyId ?? '(none)'}, which is not one this process holds` };
  }
  return keyId === pepper.keyId ? { kind: 'current' } : { kind: 'resealed', value: pepper.mac(ACCOUNT_LOG_HEAD_MAC_CONTEXT, headMacInput(row)) };
}
