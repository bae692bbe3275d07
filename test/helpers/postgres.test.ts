import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './postgres.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('test PostgreSQL server', () => {
  it('provides a server URL', () => {
    expect(inject('pgUrl')).toMatch(/^postgres(ql)?:\/\//);
  });

  it('creates a database that answers queries', async () => {
    const url = await createTestDatabase(inject('pgUrl'));
    expect(new URL(url).pathname).toMatch(/^\/kh_test_[0-9a-f]+$/);
    const rows = await query<{ one: number; db: string; version: string }>(
      url,
      "select 1 as one, current_database() as db, current_setting('server_version_num') as version",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.one).toBe(1);
    expect(rows[0]!.db).toBe(new URL(url).pathname.slice(1));
    expect(Number(rows[0]!.version)).toBeGreaterThan(0);
  });

  it('creates distinct, isolated databases', async () => {
    const [a, b] = await Promise.all([createTestDatabase(inject('pgUrl')), createTestDatabase(inject('pgUrl'))]);
    expect(a).not.toBe(b);
    await query(a, 'create table t (x int)');
    await query(a, 'insert into t values (42)');
    expect(await query(a, 'select x from t')).toEqual([{ x: 42 }]);
    const inB = await query<{ n: string }>(b, "select count(*) as n from pg_tables where tablename = 't'");
    expect(inB[0]!.n).toBe('0');
  });
});
