import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, linkHash, verifyChain, type StoredAuditEntry } from './audit-chain';

/** Builds a correctly linked chain for `userId` from (type, data) pairs, starting at `firstSeq`. */
function buildChain(events: Array<[string, Record<string, string | number | boolean | null>]>, opts: { userId?: string; firstSeq?: number; prevHash?: string } = {}): StoredAuditEntry[] {
  const userId = opts.userId ?? 'user-1';
  let prevHash = opts.prevHash ?? GENESIS_HASH;
  return events.map(([type, data], i) => {
    const entry = { userId, seq: (opts.firstSeq ?? 1) + i, at: 1_700_000_000_000 + i * 1000, type, data: canonicalJson(data) };
    const stored = { ...entry, prevHash, hash: linkHash(prevHash, entry) };
    prevHash = stored.hash;
    return stored;
  });
}

const history = (): StoredAuditEntry[] =>
  buildChain([
    ['account.created', { username: 'alice' }],
    ['passkey.added', { credentialId: 'cred-1', prf: true }],
    ['device.registered', { deviceId: 'dev-1', name: 'Phone' }],
    ['backup.key_bundle.changed', { version: 1, deviceId: null }],
    ['device.revoked', { deviceId: 'dev-1' }],
  ]);

describe('linkHash', () => {
  it('is SHA-256 over the previous hash bytes and the entry as a JSON array (independent vector)', () => {
    // Computed with Python: sha256(bytes(32) + b'["user-1",1,1700000000000,"account.created","{\\"username\\":\\"alice\\"}"]')
    const entry = { userId: 'user-1', seq: 1, at: 1_700_000_000_000, type: 'account.created', data: '{"username":"alice"}' };
    expect(linkHash(GENESIS_HASH, entry)).toBe('8ae2de0436a2fbed1e8944e6604309a7f468f335ae3ffe0455ba692044bc40d9');
  });

  it('changes when any field of the entry changes', () => {
    const entry = { userId: 'user-1', seq: 1, at: 1, type: 'account.created', data: '{}' };
    const base = linkHash(GENESIS_HASH, entry);
    for (const changed of [{ userId: 'user-2' }, { seq: 2 }, { at: 2 }, { type: 'account.erased' }, { data: '{"a":1}' }]) {
      expect(linkHash(GENESIS_HASH, { ...entry, ...changed })).not.toBe(base);
    }
    expect(linkHash('11'.repeat(32), entry)).not.toBe(base);
  });
});

describe('canonicalJson', () => {
  it('sorts keys so the same data always hashes the same', () => {
    expect(canonicalJson({ version: 2, deviceId: null, a: 'x' })).toBe('{"a":"x","deviceId":null,"version":2}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and an empty one', () => {
    expect(verifyChain(history())).toBeNull();
    expect(verifyChain([])).toBeNull();
  });

  it('names the altered row when its data changes', () => {
    const rows = history();
    rows[2] = { ...rows[2]!, data: canonicalJson({ deviceId: 'dev-evil', name: 'Phone' }) };
    expect(verifyChain(rows)).toEqual({ seq: 3, reason: 'hash_mismatch' });
  });

  it.each(['type', 'at', 'userId'] as const)('detects a changed %s', (field) => {
    const rows = history();
    const row = rows[1]!;
    rows[1] = { ...row, [field]: field === 'at' ? row.at + 1 : `${row[field]}-x` };
    expect(verifyChain(rows)).toEqual({ seq: 2, reason: 'hash_mismatch' });
  });

  it('detects an altered row whose own hash was recomputed, at the next link', () => {
    const rows = history();
    const forged = { ...rows[1]!, data: canonicalJson({ credentialId: 'cred-evil', prf: true }) };
    rows[1] = { ...forged, hash: linkHash(forged.prevHash, forged) };
    expect(verifyChain(rows)).toEqual({ seq: 3, reason: 'broken_link' });
  });

  it('detects a deleted middle row as a gap', () => {
    const rows = history();
    rows.splice(2, 1);
    expect(verifyChain(rows)).toEqual({ seq: 4, reason: 'gap' });
  });

  it('detects a deleted first row', () => {
    expect(verifyChain(history().slice(1))).toEqual({ seq: 2, reason: 'bad_start' });
  });

  it('detects two rows whose seq was swapped', () => {
    const rows = history();
    const [second, third] = [rows[1]!, rows[2]!];
    const reordered = [rows[0]!, { ...third, seq: 2 }, { ...second, seq: 3 }, ...rows.slice(3)];
    expect(verifyChain(reordered)).toEqual({ seq: 2, reason: 'broken_link' });
  });

  it('detects a chain whose first row does not start from the genesis hash', () => {
    const rows = buildChain([['account.created', {}], ['passkey.added', {}]], { prevHash: 'ab'.repeat(32) });
    expect(verifyChain(rows)).toEqual({ seq: 1, reason: 'broken_link' });
  });

  it('detects a row spliced in from another user\'s chain', () => {
    const mine = history();
    const theirs = buildChain([['account.created', {}], ['passkey.added', {}], ['account.exported', {}]], { userId: 'user-2' });
    expect(verifyChain([mine[0]!, mine[1]!, theirs[2]!])).toEqual({ seq: 3, reason: 'broken_link' });
  });

  describe('an erased account', () => {
    const tombstone = (removedEntries = 5): StoredAuditEntry[] =>
      buildChain([['account.erased', { removedEntries }]], { firstSeq: 6, prevHash: history().at(-1)!.hash });

    it('accepts the lone tombstone that continues the removed chain', () => {
      expect(verifyChain(tombstone())).toBeNull();
    });

    it('still checks the tombstone\'s own hash', () => {
      const [row] = tombstone();
      expect(verifyChain([{ ...row!, data: canonicalJson({ removedEntries: 0 }) }])).toEqual({ seq: 6, reason: 'hash_mismatch' });
    });

    it('refuses a lone row past seq 1 that is not a tombstone', () => {
      const [row] = buildChain([['device.revoked', { deviceId: 'dev-1' }]], { firstSeq: 6, prevHash: 'cd'.repeat(32) });
      expect(verifyChain([row!])).toEqual({ seq: 6, reason: 'bad_start' });
    });

    it('refuses a tombstone followed by more rows', () => {
      const rows = buildChain([['account.erased', { removedEntries: 5 }], ['account.created', {}]], { firstSeq: 6, prevHash: 'cd'.repeat(32) });
      expect(verifyChain(rows)).toEqual({ seq: 6, reason: 'bad_start' });
    });
  });
});
