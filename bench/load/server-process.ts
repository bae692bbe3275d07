import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server child process on loopback whose memory and CPU the soak reads from /proc. */
export interface WatchedServer {
  name: string;
  pid: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. Safe to call twice. */
  stop(): Promise<void>;
  /** The last 4,000 characters the process wrote to stderr (its error log), for a failure message. */
  stderrTail(): string;
}

/**
 * Spawns `node --import tsx <script>` (tsx loads in-process, so the pid is the server's own) and
 * resolves once `readyPath` answers 200; rejects with its stderr if it exits or does not come up.
 */
export async function startWatchedServer(opts: { name: string; script: string; port: number; env: Record<string, string>; readyPath: string; cwd: string }): Promise<WatchedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', opts.script], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  child.stdout.resume(); // start-up lines only (LOG_REQUESTS=false); drained so the pipe never fills
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.name} exited during start-up (${child.exitCode ?? child.signalCode}):\n${stderr.trim()}`);
    if (await answers(`${url}${opts.readyPath}`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${opts.name} did not answer ${opts.readyPath} within 30 s:\n${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name: opts.name, pid: child.pid!, url, stop, stderrTail: () => stderr };
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

/** Resident memory of a process now (`VmRSS` of /proc/<pid>/status), in KiB. */
export function residentKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.split(/\s+/)[1]);
}

/** Its peak resident memory so far (`VmHWM`), in KiB. */
export function peakResidentKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) : Number.NaN;
}

/** CPU time the process has used (user + system, /proc/<pid>/stat), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which sits in parentheses and may contain spaces: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerS = 100; // USER_HZ on Linux
  return (Number(fields[11]) + Number(fields[12])) / ticksPerS;
}
