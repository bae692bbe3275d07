import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server child process listening on loopback. */
export interface RunningServer {
  name: string;
  port: number;
  /** The server's own process id (tsx loads in-process), for reading its memory and CPU from /proc. */
  pid: number;
  /** `http://127.0.0.1:<port>`: where the load generator connects. */
  url: string;
  /** The last 4,000 characters the process wrote to stderr (its error log), for a failure message. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago (racy against other processes, good enough on a bench machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close((error) => (error ? reject(error) : port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

/**
 * Spawns `node --import tsx <script>` from the repository root and resolves once `readyPath`
 * answers 200. Rejects with the child's stderr if it exits or does not come up in time.
 */
export async function startServer(opts: {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
  readyPath: string;
  cwd: string;
  timeoutMs?: number;
  /** Extra node flags, e.g. `--cpu-prof` (which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Where the child's stdout (its JSON log) goes, as a deployment's log file would; by default it is read and dropped. */
  stdoutFile?: string;
}): Promise<RunningServer> {
  const stdoutFd = opts.stdoutFile ? openSync(opts.stdoutFile, 'a') : undefined;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd); // the child has its own copy
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.stdout?.resume(); // drain so the pipe never fills
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${opts.port}`;
  const server: RunningServer = { name: opts.name, port: opts.port, pid: child.pid!, url, stop: () => stopChild(child, exited), stderrTail: () => stderr };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${opts.name} exited during start-up (code ${child.exitCode ?? child.signalCode}):\n${stderr.trim()}`);
    }
    if (await answers(`${url}${opts.readyPath}`)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${opts.name} did not answer ${opts.readyPath} within ${opts.timeoutMs ?? 30_000} ms:\n${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/**
 * A key server process (`server/main.ts`) on a free port of localhost with its own temporary data
 * directory, both removed by `cleanups`: what a benchmark drives as a deployment would run it.
 * `env` adds to or overrides the defaults (no request log, the origin on that port).
 */
export async function startKeyServerProcess(opts: {
  cleanups: { push(step: () => Promise<void> | void): void };
  cwd: string;
  /** The temporary directory's name prefix. */
  prefix: string;
  env?: Record<string, string>;
}): Promise<{ server: RunningServer; origin: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), opts.prefix));
  opts.cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await startServer({
    name: 'key server',
    script: 'server/main.ts',
    port,
    cwd: opts.cwd,
    readyPath: '/api/health',
    env: { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ORIGIN: origin, RP_ID: 'localhost', LOG_REQUESTS: 'false', ...opts.env },
  });
  opts.cleanups.push(() => server.stop());
  return { server, origin, dataDir };
}
