import { describe, expect, it } from 'vitest';
import type { RecordWriteRequestT } from '../../protocol/api';
import { KeyholdError } from '../errors';
import { NO_RECORD_COUNTERS, type RecordRow } from '../store/records';
import { pageOfChanges, planRecordWrite } from './records';

const target = { userId: 'u1', appId: 'keyhold', id: 'r1' };
const policy = { maxCiphertextChars: 16, maxPerUser: 2 };
const live = (expectedVersion: number, ciphertext = 'AAAA'): RecordWriteRequestT => ({ expectedVersion, deleted: false, v: 1, wrappedDek: 'BBBB', ciphertext });
const deletion = (expectedVersion: number): RecordWriteRequestT => ({ expectedVersion, deleted: true, v: 1, wrappedDek: null, ciphertext: null });
const row = (over: Partial<RecordRow> = {}): RecordRow => ({
  user_id: 'u1', app_id: 'keyhold', id: 'r1', version: 1, seq: 1, deleted: 0, v: 1, wrapped_dek: 'BBBB', ciphertext: 'AAAA', size: 8, updated_at: 5, ...over,
});
function errorOf(work: () => unknown): KeyholdError | undefined {
  try {
    work();
  } catch (error) {
    return error as KeyholdError;
  }
  return undefined;
}
const codeOf = (work: () => unknown) => errorOf(work)?.code;

describe('planRecordWrite', () => {
  it('creates at version 1 with the next seq and counts the record live', () => {
    const plan = planRecordWrite(target, live(0), undefined, { seq: 7, live: 1, purged_seq: 0 }, policy, 99);
    expect(plan.row).toEqual(row({ seq: 8, updated_at: 99 }));
    expect(plan.counters).toEqual({ seq: 8, live: 2, purged_seq: 0 });
  });

  it('turns a record into a tombstone without its ciphertext, counting one live record fewer', () => {
    const plan = planRecordWrite(target, deletion(1), row(), { seq: 1, live: 1, purged_seq: 0 }, policy, 9);
    expect(plan.row).toMatchObject({ version: 2, seq: 2, deleted: 1, ciphertext: null, wrapped_dek: null, size: 0 });
    expect(plan.counters.live).toBe(0);
  });

  it('refuses a version mismatch with the stored envelope, or null when nothing is stored', () => {
    const stale = errorOf(() => planRecordWrite(target, live(3), row({ version: 2 }), NO_RECORD_COUNTERS, policy, 1));
    expect(stale).toMatchObject({ code: 'stale_version', details: { currentVersion: 2, current: { id: 'r1', version: 2, deleted: false, ciphertext: 'AAAA' } } });
    expect(errorOf(() => planRecordWrite(target, live(1), undefined, NO_RECORD_COUNTERS, policy, 1))?.details).toEqual({ currentVersion: 0, current: null });
  });

  it('counts only writes that make a record live against the quota', () => {
    const full = { seq: 3, live: 2, purged_seq: 0 };
    expect(codeOf(() => planRecordWrite(target, live(0), undefined, full, policy, 1))).toBe('record_quota_exceeded');
    expect(codeOf(() => planRecordWrite(target, live(1), row({ deleted: 1 }), full, policy, 1))).toBe('record_quota_exceeded');
    expect(codeOf(() => planRecordWrite(target, live(1), row(), full, policy, 1))).toBeUndefined();
    expect(codeOf(() => planRecordWrite(target, deletion(0), undefined, full, policy, 1))).toBeUndefined();
  });

  it('refuses a ciphertext over the limit before looking at versions', () => {
    expect(codeOf(() => planRecordWrite(target, live(5, 'A'.repeat(18)), undefined, NO_RECORD_COUNTERS, policy, 1))).toBe('record_too_large');
  });
});

describe('pageOfChanges', () => {
  const rows = [row({ seq: 3 }), row({ id: 'r2', seq: 5 }), row({ id: 'r3', seq: 6 })];
  const counters = { seq: 6, live: 3, purged_seq: 2 };

  it('returns at most limit changes with the last seq as cursor and says whether more wait', () => {
    expect(pageOfChanges(2, 2, rows, counters)).toMatchObject({ cursor: 5, more: true, reset: false, total: 3 });
    expect(pageOfChanges(2, 3, rows, counters)).toMatchObject({ cursor: 6, more: false });
    expect(pageOfChanges(6, 3, [], counters)).toEqual({ changes: [], cursor: 6, more: false, reset: false, total: 3 });
  });

  it('resets a cursor below the purge watermark or beyond the account\'s seq, never cursor 0', () => {
    expect(pageOfChanges(1, 3, rows, counters)).toEqual({ changes: [], cursor: 0, more: true, reset: true, total: 3 });
    expect(pageOfChanges(7, 3, [], counters)).toMatchObject({ reset: true, cursor: 0 });
    expect(pageOfChanges(0, 3, rows, counters)).toMatchObject({ reset: false, cursor: 6 });
    expect(pageOfChanges(2, 3, rows, counters).reset).toBe(false);
  });
});
