import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, linkHash, planAuditPurge, verifyChain, type ChainAnchor, type StoredAuditEntry } from './audit-chain';

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

/** `history()` after a purge of its first `n` entries: the anchor and what is left. */
function purged(n: number): { anchor: ChainAnchor; rows: StoredAuditEntry[] } {
  const rows = history();
  const last = rows[n - 1]!;
  return { anchor: { seq: last.seq, hash: last.hash }, rows: rows.slice(n) };
}

describe('verifyChain from a purge anchor', () => {
  it('accepts what a purge left, linked to the anchor', () => {
    const { anchor, rows } = purged(2);
    expect(verifyChain(rows, anchor)).toBeNull();
  });

  it('names the altered row after the anchor', () => {
    const { anchor, rows } = purged(2);
    rows[1] = { ...rows[1]!, data: canonicalJson({ version: 9, deviceId: null }) };
    expect(verifyChain(rows, anchor)).toEqual({ seq: 4, reason: 'hash_mismatch' });
  });

  it('detects a row deleted right after the anchor, and one further on', () => {
    const { anchor, rows } = purged(2);
    expect(verifyChain(rows.slice(1), anchor)).toEqual({ seq: 4, reason: 'gap' });
    expect(verifyChain([rows[0]!, rows[2]!], anchor)).toEqual({ seq: 5, reason: 'gap' });
  });

  it('detects rows reordered after the anchor', () => {
    const { anchor, rows } = purged(2);
    const [a, b] = [rows[0]!, rows[1]!];
    expect(verifyChain([{ ...b, seq: 3 }, { ...a, seq: 4 }, rows[2]!], anchor)).toEqual({ seq: 3, reason: 'broken_link' });
  });

  it('detects an altered anchor: its hash no longer leads to the first row, its seq leaves a gap', () => {
    const { anchor, rows } = purged(2);
    expect(verifyChain(rows, { ...anchor, hash: 'ab'.repeat(32) })).toEqual({ seq: 3, reason: 'broken_link' });
    expect(verifyChain(rows, { ...anchor, seq: 1 })).toEqual({ seq: 3, reason: 'gap' });
  });

  it('detects entries removed without an anchor, or whose anchor was removed', () => {
    expect(verifyChain(purged(2).rows)).toEqual({ seq: 3, reason: 'bad_start' });
  });

  it('reports an anchor whose rows are all gone as a gap after it', () => {
    expect(verifyChain([], purged(2).anchor)).toEqual({ seq: 3, reason: 'gap' });
  });

  it('does not accept a lone tombstone that skips past the anchor', () => {
    const { anchor } = purged(2);
    const tombstone = buildChain([['account.erased', { removedEntries: 1 }]], { firstSeq: 6, prevHash: history().at(-1)!.hash });
    expect(verifyChain(tombstone, anchor)).toEqual({ seq: 6, reason: 'gap' });
  });
});

describe('planAuditPurge', () => {
  const DAY = 86_400_000;
  const now = 1_800_000_000_000;
  /** `history()` relinked with entry i written `ages[i]` days before `now`. */
  const aged = (ages: number[]): StoredAuditEntry[] => {
    let prevHash = GENESIS_HASH;
    return history().map((row, i) => {
      const entry = { ...row, at: now - ages[i]! * DAY, prevHash };
      const stored = { ...entry, hash: linkHash(prevHash, entry) };
      prevHash = stored.hash;
      return stored;
    });
  };
  const cutoff = now - 365 * DAY;

  it('deletes the entries older than the cutoff and anchors on the last of them', () => {
    const rows = aged([400, 390, 380, 10, 1]);
    const plan = planAuditPurge(rows, null, cutoff);
    expect(plan).toEqual({ action: 'purge', entries: 3, anchor: { seq: 3, hash: rows[2]!.hash } });
    if (plan.action === 'purge') expect(verifyChain(rows.slice(plan.entries), plan.anchor)).toBeNull();
  });

  it('never deletes the newest entry, however old', () => {
    const rows = aged([500, 499, 498, 497, 496]);
    expect(planAuditPurge(rows, null, cutoff)).toEqual({ action: 'purge', entries: 4, anchor: { seq: 4, hash: rows[3]!.hash } });
    expect(planAuditPurge(rows.slice(4), { seq: 4, hash: rows[3]!.hash }, cutoff)).toEqual({ action: 'keep' });
  });

  it('deletes only a prefix: an old entry after a recent one stays', () => {
    const rows = aged([400, 10, 380, 5, 1]);
    expect(planAuditPurge(rows, null, cutoff)).toMatchObject({ action: 'purge', entries: 1, anchor: { seq: 1 } });
  });

  it('keeps a chain with nothing past its retention', () => {
    expect(planAuditPurge(aged([30, 20, 10, 5, 1]), null, cutoff)).toEqual({ action: 'keep' });
  });

  it('continues from an earlier anchor', () => {
    const rows = aged([400, 390, 380, 370, 1]);
    const plan = planAuditPurge(rows.slice(2), { seq: 2, hash: rows[1]!.hash }, cutoff);
    expect(plan).toEqual({ action: 'purge', entries: 2, anchor: { seq: 4, hash: rows[3]!.hash } });
  });

  it('refuses to delete a segment that does not verify, naming the problem', () => {
    const rows = aged([400, 390, 380, 10, 1]);
    rows[1] = { ...rows[1]!, data: canonicalJson({ credentialId: 'cred-evil', prf: true }) };
    expect(planAuditPurge(rows, null, cutoff)).toEqual({ action: 'refuse', problem: { seq: 2, reason: 'hash_mismatch' } });
    // The link into the first kept entry is checked too: it is what the new anchor must lead to.
    const relinked = aged([400, 390, 380, 10, 1]);
    relinked[3] = { ...relinked[3]!, prevHash: 'ef'.repeat(32) };
    expect(planAuditPurge(relinked, null, cutoff)).toEqual({ action: 'refuse', problem: { seq: 4, reason: 'broken_link' } });
  });

  it('refuses when the existing anchor does not lead to the first row', () => {
    const rows = aged([400, 390, 380, 370, 1]);
    expect(planAuditPurge(rows.slice(2), { seq: 2, hash: '00'.repeat(32) }, cutoff)).toEqual({ action: 'refuse', problem: { seq: 3, reason: 'broken_link' } });
  });
});
