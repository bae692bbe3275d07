import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, migrateToLatest } from '../../server/store/database';

/**
 * What single operations of the hot paths cost on this machine, measured in the bench process
 * while no server runs: the evidence for what no amount of code can take below them.
 */
export interface Floors {
  /** One durable commit (a one-row INSERT) on the temp directory's disk, WAL, `synchronous = FULL`. */
  commit: { medianUs: number; p90Us: number; runs: number };
  /** ECDSA P-256 / SHA-256 verify of a 64-byte P1363 signature, node:crypto, synchronous (as the server does it). */
  ecdsaVerifyUs: number;
  /** Import of a P-256 public JWK (`createPublicKey`; the server does it once per device and keeps the key). */
  jwkImportUs: number;
  /** A primary-key read of one row through Kysely (statement prepared once, as the server now does). */
  kyselyPointReadUs: number;
  /** The same read as a prepared better-sqlite3 statement, without Kysely. */
  rawPointReadUs: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function meanMicros(runs: number, op: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, runs); i++) await op(); // warm-up
  const started = performance.now();
  for (let i = 0; i < runs; i++) await op();
  return ((performance.now() - started) / runs) * 1000;
}

export async function measureFloors(): Promise<Floors> {
  const dir = mkdtempSync(join(tmpdir(), 'kh-floors-'));
  try {
    const sqlite = new BetterSqlite3(join(dir, 'commit.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.exec('create table t (k integer primary key, v text not null)');
    const insert = sqlite.prepare('insert into t (v) values (?)');
    const payload = 'x'.repeat(200);
    const commits: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      insert.run(payload);
      commits.push((performance.now() - started) * 1000);
    }
    sqlite.close();
    commits.sort((a, b) => a - b);

    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const message = randomBytes(96);
    const signature = sign('sha256', message, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
    const ecdsaVerifyUs = await meanMicros(2000, () => verify('sha256', message, { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, signature));
    const jwkImportUs = await meanMicros(2000, () => createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' }));

    const file = join(dir, 'keyhold.sqlite');
    const database = openDatabase({ sqliteFile: file });
    await migrateToLatest(database.db);
    await database.db.insertInto('users').values({ id: 'floor-user', username: 'floor', created_at: Date.now() }).execute();
    const kyselyPointReadUs = await meanMicros(20_000, () => database.db.selectFrom('users').selectAll().where('id', '=', 'floor-user').executeTakeFirst());
    await database.close();
    const raw = new BetterSqlite3(file);
    const read = raw.prepare('select * from users where id = ?');
    const rawPointReadUs = await meanMicros(20_000, () => read.get('floor-user'));
    raw.close();

    return { commit: { medianUs: quantile(commits, 0.5), p90Us: quantile(commits, 0.9), runs: commits.length }, ecdsaVerifyUs, jwkImportUs, kyselyPointReadUs, rawPointReadUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
