// Test helper: runs a throwaway, real PostgreSQL server on loopback in a temp dir.
//
// startPostgres() does initdb + pg_ctl start on a free 127.0.0.1 port and returns
// its URL; createTestDatabase() makes a fresh, uniquely named database on it so
// each test file (or test) gets an isolated schema without restarting the server.

import { execFile as execFileCb, type ExecFileOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFile = promisify(execFileCb);

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database, e.g. postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** The same database over the cluster's Unix-domain socket (in its temp dir) rather than TCP. */
  socketUrl: string;
  /** Stops the server (immediate mode) and deletes its temp dir. Safe to call twice. */
  stop: () => Promise<void>;
  /** `pg_ctl stop -m fast`, as an operator or a failover does: connections are terminated; the data stays. */
  halt: () => Promise<void>;
  /** Starts the halted server again on the same port and data. */
  resume: () => Promise<void>;
}

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) not found: install them with `apt-get install -y postgresql` ' +
  '(or set PG_BIN to the directory containing initdb).';

function hasInitdb(dir: string): boolean {
  return existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
}

/** PG_BIN env, else `pg_config --bindir` (if it has initdb), else newest /usr/lib/postgresql/<ver>/bin. */
export async function findPgBin(): Promise<string> {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) {
    if (!hasInitdb(fromEnv)) throw new Error(`PG_BIN=${fromEnv} does not contain initdb and pg_ctl. ${INSTALL_HINT}`);
    return fromEnv;
  }
  try {
    const { stdout } = await execFile('pg_config', ['--bindir']);
    const dir = stdout.trim();
    if (dir && hasInitdb(dir)) return dir;
  } catch {
    // pg_config missing (only client libs installed, or nothing): fall through.
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && hasInitdb(path.join(root, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(root, versions[0]!, 'bin');
  }
  throw new Error(INSTALL_HINT);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** execFile wrapper; when we are root, runs the PG binary as the `postgres` user via runuser. */
async function runPg(
  asPostgresUser: boolean,
  bin: string,
  args: string[],
  cwd: string,
): Promise<{ stdout: string; stderr: string }> {
  const [file, argv] = asPostgresUser ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  // PG* env vars (PGDATA, PGPORT, PGHOST, ...) from the caller must not leak into our private cluster.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  const opts: ExecFileOptions = { cwd, env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 120_000 };
  const { stdout, stderr } = await execFile(file, argv, opts);
  return { stdout: String(stdout), stderr: String(stderr) };
}

function describeExecError(err: unknown): string {
  const e = err as { message?: string; stderr?: unknown; stdout?: unknown };
  const stderr = String(e.stderr ?? '').trim();
  const stdout = String(e.stdout ?? '').trim();
  return [e.message?.split('\n')[0] ?? String(err), stderr && `stderr:\n${stderr}`, stdout && `stdout:\n${stdout}`]
    .filter(Boolean)
    .join('\n');
}

/** Synchronously SIGQUITs a postmaster (immediate shutdown) and removes its dir; used from process 'exit'. */
function killSync(dataDir: string, baseDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // not running / already gone
  }
  try {
    rmSync(baseDir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/**
 * `durable`: keep PostgreSQL's own defaults (`fsync`, `synchronous_commit`, `full_page_writes` on),
 * as a deployment runs it — for benchmarks. Tests leave it off: their commits need not survive a crash.
 */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<RunningPostgres> {
  const binDir = await findPgBin();
  const initdb = path.join(binDir, 'initdb');
  const pgCtl = path.join(binDir, 'pg_ctl');
  const asPostgresUser = typeof process.getuid === 'function' && process.getuid() === 0;

  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'kh-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'log');
  // Even if the teardown never runs (crash, Ctrl-C), don't leave a postmaster behind.
  const onExit = (): void => killSync(dataDir, baseDir);
  process.once('exit', onExit);

  let started = false;
  const cleanup = async (): Promise<void> => {
    if (started) {
      try {
        await runPg(asPostgresUser, pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], baseDir);
      } catch {
        // already stopped, or dir gone: fine
      }
      started = false;
    }
    process.removeListener('exit', onExit);
    await rm(baseDir, { recursive: true, force: true });
  };

  try {
    if (asPostgresUser) {
      const { stdout } = await execFile('id', ['-u', 'postgres']).catch(() => {
        throw new Error('running as root but there is no `postgres` system user to run initdb as (apt-get install -y postgresql creates it)');
      });
      const uid = Number(stdout.trim());
      const { stdout: gidOut } = await execFile('id', ['-g', 'postgres']);
      await chown(baseDir, uid, Number(gidOut.trim()));
    }

    const t0 = performance.now();
    try {
      await runPg(
        asPostgresUser,
        initdb,
        ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
        baseDir,
      );
    } catch (err) {
      throw new Error(`initdb failed (${initdb}, dir ${baseDir}): ${describeExecError(err)}`);
    }
    const t1 = performance.now();

    // The free-port probe is racy against other processes; retry a few times on bind failure.
    let port = 0;
    let serverOpts = '';
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      serverOpts = [
        '-c listen_addresses=127.0.0.1',
        `-p ${port}`,
        `-k ${baseDir}`,
        ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
        '-c max_connections=200',
      ].join(' ');
      try {
        await runPg(
          asPostgresUser,
          pgCtl,
          ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOpts, 'start'],
          baseDir,
        );
        started = true;
        break;
      } catch (err) {
        const log = await tail(logFile);
        // pg_ctl may have left a half-started postmaster behind; make sure it is gone before retrying.
        await runPg(asPostgresUser, pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], baseDir).catch(() => {});
        if (attempt < 3 && /could not (bind|create listen)|address already in use/i.test(log)) continue;
        throw new Error(`pg_ctl start failed (port ${port}, dir ${baseDir}): ${describeExecError(err)}\nserver log tail:\n${log}`);
      }
    }
    const t2 = performance.now();
    if (process.env.KEYHOLD_PG_DEBUG) {
      console.error(`[postgres] initdb ${Math.round(t1 - t0)} ms, start ${Math.round(t2 - t1)} ms, port ${port}, dir ${baseDir}`);
    }

    const halt = async (): Promise<void> => {
      await runPg(asPostgresUser, pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], baseDir);
    };
    const resume = async (): Promise<void> => {
      await runPg(asPostgresUser, pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOpts, 'start'], baseDir);
    };
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return { url, socketUrl: `${url}?host=${encodeURIComponent(baseDir)}`, stop: cleanup, halt, resume };
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}

/**
 * Creates a fresh database `kh_test_<hex>` on the server at serverUrl (a superuser URL, any db)
 * and returns the URL pointing at it: empty, or a copy of `template` (the name of a database no
 * session is connected to, e.g. one createMigratedTemplate made).
 */
export async function createTestDatabase(serverUrl: string, { template }: { template?: string } = {}): Promise<string> {
  const name = `kh_test_${randomBytes(8).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    // Names are [a-z0-9_] only, so quoting is just belt and braces.
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await client.end();
  }
  return databaseUrl(serverUrl, name);
}

/** serverUrl pointing at database `name`. */
function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates a database on the server at serverUrl, runs `migrate` on it and closes every connection,
 * so that createTestDatabase can copy it (a copy takes a fraction of the time the migrations do);
 * returns its name and a function that drops it.
 */
export async function createMigratedTemplate(serverUrl: string, migrate: (databaseUrl: string) => Promise<void>): Promise<{ name: string; drop(): Promise<void> }> {
  const name = new URL(await createTestDatabase(serverUrl)).pathname.slice(1);
  await migrate(databaseUrl(serverUrl, name));
  return {
    name,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      } finally {
        await client.end();
      }
    },
  };
}
