import { describe, expect, it } from 'vitest';
import type { RecordEnvelopeT } from '../../../protocol/api';
import type { RecordRow, SeenVersionRow } from '../platform/local-store';
import { isOlderThanSeen, judgePulledCopy, raiseSeen } from './rollback-guard';

const copy = (version: number, changes: Partial<RecordEnvelopeT> = {}): RecordEnvelopeT => ({
  id: 'r1',
  version,
  seq: 10,
  deleted: false,
  v: 2,
  wrappedDek: `dek-${version}`,
  ciphertext: `ct-${version}`,
  updatedAt: 1,
  ...changes,
});
const held = (serverVersion: number, changes: Partial<RecordRow> = {}): RecordRow =>
  ({ id: 'r1', v: 2, updatedAt: 1, synced: 1, deleted: 0, serverVersion, wrappedDek: `dek-${serverVersion}`, ciphertext: `ct-${serverVersion}`, ...changes }) as RecordRow;
const seen = (version: number, bound: 0 | 1 = 1): SeenVersionRow => ({ id: 'r1', version, bound });

describe('judgePulledCopy', () => {
  it('applies a newer version, and a first copy of a record never seen', () => {
    expect(judgePulledCopy(copy(3), held(2), seen(2))).toBe('apply');
    expect(judgePulledCopy(copy(1), undefined, undefined)).toBe('apply');
    expect(judgePulledCopy(copy(3, { deleted: true, wrappedDek: null, ciphertext: null }), held(2), seen(2))).toBe('apply');
  });

  it('takes the copy it already holds (its own push echoed back) as the same', () => {
    expect(judgePulledCopy(copy(2), held(2), seen(2))).toBe('same');
  });

  it('refuses a version lower than the one held or verified, even with the row gone', () => {
    expect(judgePulledCopy(copy(1), held(2), seen(2))).toBe('refuse');
    expect(judgePulledCopy(copy(1), undefined, seen(2))).toBe('refuse');
  });

  it('refuses the held version with other contents, and a live copy at the version of a seen deletion', () => {
    expect(judgePulledCopy(copy(2, { ciphertext: 'ct-1' }), held(2), seen(2))).toBe('refuse');
    expect(judgePulledCopy(copy(2), undefined, seen(2))).toBe('refuse');
    expect(judgePulledCopy(copy(2, { deleted: true, wrappedDek: null, ciphertext: null }), undefined, seen(2))).toBe('same');
  });

  it('refuses an unbound (format 1) copy of a record seen bound, and applies one of a record never seen bound', () => {
    expect(judgePulledCopy(copy(3, { v: 1 }), held(2), seen(2, 1))).toBe('refuse');
    expect(judgePulledCopy(copy(3, { v: 1 }), held(2, { v: 1 }), seen(2, 0))).toBe('apply');
  });
});

describe('the verified version of a record', () => {
  it('only rises, and stays bound once seen bound (a deletion keeps it)', () => {
    expect(raiseSeen(undefined, 'r1', 3, 2)).toEqual({ id: 'r1', version: 3, bound: 1 });
    expect(raiseSeen(seen(5, 0), 'r1', 3, 1)).toEqual({ id: 'r1', version: 5, bound: 0 });
    expect(raiseSeen(seen(5, 1), 'r1', 6, null)).toEqual({ id: 'r1', version: 6, bound: 1 });
  });

  it('calls a server answer older than the verified version a rollback', () => {
    expect(isOlderThanSeen(1, seen(2))).toBe(true);
    expect(isOlderThanSeen(2, seen(2))).toBe(false);
    expect(isOlderThanSeen(0, undefined)).toBe(false);
  });
});
