import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Write } from '../../server/cli/run-as-cli';
import type { TestServer } from './harness';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Settings of the caller's environment a command run by a test must not inherit: the test names its own. */
const SERVER_SETTINGS = ['DATABASE_URL', 'DATA_DIR', 'PEPPER', 'PEPPER_PREVIOUS', 'PEPPER_DECOYS', 'TOMBSTONE_RETENTION_DAYS', 'AUDIT_RETENTION_DAYS'];

/** What an operator command ended with: its exit code and what it printed. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The settings that point an operator command at the test server's database: its SQLite file, or its PostgreSQL URL. */
export const databaseOf = (server: TestServer): Record<string, string> =>
  server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : { DATA_DIR: server.config.dataDir };

/**
 * Runs an operator command as an operator does, in its own process
 * (`node --import tsx server/cli/<script>.ts`), with `settings` on top of the test's environment.
 * Each start costs about a second of CPU (tsx compiles the server), so a suite keeps these few:
 * exit codes, stderr, and runs beside a busy server.
 */
export async function runCliProcess(script: string, settings: Record<string, string>, args: readonly string[] = []): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, commandLine(script, args), { cwd: REPO_ROOT, env: processEnv(settings), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Starts an operator command in its own process, as runCliProcess does, for a test that acts while it runs. */
export function spawnCliProcess(script: string, settings: Record<string, string>, args: readonly string[] = []): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, commandLine(script, args), { cwd: REPO_ROOT, env: processEnv(settings) });
}

const commandLine = (script: string, args: readonly string[]) => ['--import', 'tsx', `server/cli/${script}.ts`, ...args];

function processEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !SERVER_SETTINGS.includes(key)));
  return { ...inherited, ...settings };
}

/**
 * Runs an operator command's function in this process, collecting what it writes: the same code
 * the command runs, without a process start. A command that cannot run throws (the process would
 * exit 2), which fails the test.
 */
export async function runCliInProcess(command: (write: Write) => Promise<number>): Promise<CliResult> {
  let stdout = '';
  const code = await command((text) => (stdout += text));
  return { code, stdout, stderr: '' };
}
