import type { Compilable, CompiledQuery } from 'kysely';
import type { Db } from './schema';
import type { Store } from './store';

/** Marks where an argument goes in a compiled query's parameters; never sent to the database. */
const SLOT = '\u0000keyhold-slot:';

/**
 * A query built and compiled by Kysely once per database, then only bound to new values and run.
 * `build` gets stand-ins for the arguments: it must read each one by name (`values({ a: r.a })`,
 * never `values(r)`, whose keys a stand-in does not have), and take at least one.
 *
 * Building a query is cheap alone, but on the busiest routes the builder's immutable nodes and
 * the compiler cost more than the statement: measured on the bench machine, compiling the session
 * lookup and the backup read once raised `GET /api/backup` from ~8,400 to ~11,300 requests/s.
 *
 * `build` places each argument (`args.x`) where a value goes and must not look at it: it runs once
 * with placeholders, so a branch on an argument would freeze the first branch taken. Arguments
 * must be single values (not lists, whose length would change the SQL). Constants written in the
 * query stay as compiled.
 */
export function preparedQuery<A extends object, R>(build: (db: Db, args: A) => Compilable<R>): (store: Store, args: A) => Promise<R[]> {
  const key = {};
  return async (store, args) => {
    let compiled = store.prepared?.get(key) as CompiledQuery<R> | undefined;
    if (!compiled) {
      compiled = compileWithSlots(store.db, build);
      store.prepared?.set(key, compiled);
    }
    const values = args as Record<string, unknown>;
    const parameters = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? values[p.slice(SLOT.length)] : p));
    const { rows } = await store.db.executeQuery<R>({ ...compiled, parameters });
    return rows;
  };
}

/** Compiles `build` with a slot in place of each argument it reads; throws if one did not become a parameter. */
function compileWithSlots<A extends object, R>(db: Db, build: (db: Db, args: A) => Compilable<R>): CompiledQuery<R> {
  const read = new Set<string>();
  // Reading a name gives its slot; the stand-in has no keys to spread or iterate, so a builder
  // that passes it whole (`values(args)`) compiles without them and is refused below.
  const slots = new Proxy({} as A, {
    get: (_target, name) => {
      read.add(String(name));
      return `${SLOT}${String(name)}`;
    },
  });
  const compiled = build(db, slots).compile();
  const bound = new Set(compiled.parameters.filter((p): p is string => typeof p === 'string' && p.startsWith(SLOT)));
  const lost = [...read].filter((name) => !bound.has(`${SLOT}${name}`));
  if (lost.length > 0 || bound.size === 0 || compiled.sql.includes(SLOT)) throw new Error(`prepared query: ${lost.join(', ') || 'an argument'} is not a plain parameter of ${compiled.sql}`);
  return compiled;
}

/**
 * Every column of a table, named (the record must list each one, so the compiler says when a
 * migration adds one): for a prepared query where `selectAll()` would write `*`, which PostgreSQL
 * does not run as a named statement (see `PreparedQueries`).
 */
export function everyColumn<T>(columns: Record<keyof T & string, true>): Array<keyof T & string> {
  return Object.keys(columns) as Array<keyof T & string>;
}
