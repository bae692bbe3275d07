import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * The pool Kysely's PostgresDialect is given, but running each statement of `names` (SQL text →
 * statement name; `preparedQuery` fills it with the hot queries) as a named prepared statement.
 * node-postgres sends an unnamed statement's text to be parsed and planned again on every run;
 * a named one is parsed once per connection, after which a run is only bound and executed.
 * The names are a fixed, small set (one per `preparedQuery` call site), so what each connection
 * keeps prepared is bounded; every other statement runs unnamed, as before. A statement prepared
 * before a migration is re-planned by PostgreSQL itself if the schema changes under it.
 */
export function namingHotStatements(pool: pg.Pool, names: ReadonlyMap<string, string>): PostgresPool {
  // Kysely keeps per-client state keyed by the client object: one wrapper per pooled client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((textOrCursor: string | pg.Submittable, values?: unknown[]) => {
      if (typeof textOrCursor !== 'string') return client.query(textOrCursor); // a cursor (Kysely's stream())
      const name = names.get(textOrCursor);
      return name ? client.query({ name, text: textOrCursor, values }) : client.query(textOrCursor, values);
    }) as unknown as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  });
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}
