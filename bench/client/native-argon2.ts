/**
 * The baseline for the browser's Argon2id: the reference implementation's `argon2` command
 * (Debian package argon2), run once per hash, timed from spawn to exit with process.hrtime.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { Argon2Params } from '../../worker/argon2-protocol';
import type { Argon2Job, Argon2Series } from './in-page';

export const NATIVE_ARGON2 = process.env.ARGON2_PATH ?? '/usr/bin/argon2';

/** The Debian package version, e.g. `0~20171227-0.3+deb12u1`, or undefined off Debian. */
export function nativeArgon2Version(): string | undefined {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'argon2'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `argon2 <salt> -id -t 3 -m 16 -p 1 -l 32 -r`: -m is log2 of the memory in KiB (-k the KiB
 * themselves). -r prints the raw tag only, and matters: without it the tool also prints the
 * encoded hash and then verifies it, which hashes a second time inside the timed process.
 */
export function nativeArguments(salt: string, params: Argon2Params): string[] {
  const log2 = Math.log2(params.memoryKiB);
  const memory = Number.isInteger(log2) ? ['-m', String(log2)] : ['-k', String(params.memoryKiB)];
  return [salt, '-id', '-t', String(params.iterations), ...memory, '-p', String(params.parallelism), '-l', String(params.hashLength), '-r'];
}

/** One hash by the native command, as `Argon2Page.argon2Once` gives the app's: milliseconds and the tag. */
export async function nativeArgon2Once(job: Argon2Job): Promise<{ ms: number; tagHex: string }> {
  const { wallMs, tagHex } = await hashOnce(job);
  return { ms: wallMs, tagHex };
}

/** One process, one hash: wall time from spawn to exit, and the tag. */
function hashOnce(job: Argon2Job): Promise<{ wallMs: number; tagHex: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(NATIVE_ARGON2, nativeArguments(job.salt, job.params), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
      const tagHex = out.trim();
      if (code !== 0 || !/^[0-9a-f]+$/.test(tagHex) || tagHex.length !== job.params.hashLength * 2) {
        return reject(new Error(`${NATIVE_ARGON2} exited with ${code}: ${out.trim()}`));
      }
      resolve({ wallMs, tagHex });
    });
    // The password is read from stdin as is: no trailing newline.
    child.stdin.end(job.pin);
  });
}

export interface NativeSeries extends Argon2Series {
  /**
   * The same command with the cheapest parameters (t = 1, 8 KiB), as many times: what process
   * start-up and exit add to each measured run.
   */
  startUpMs: number[];
}

/** One warm-up, then `job.runs` hashes, one process after another; then the start-up cost. */
export async function nativeArgon2Series(job: Argon2Job): Promise<NativeSeries> {
  const warmUp = await hashOnce(job);
  const runs = [];
  for (let i = 0; i < job.runs; i++) runs.push(await hashOnce(job));
  const trivial: Argon2Job = { ...job, params: { ...job.params, iterations: 1, memoryKiB: 8 * job.params.parallelism } };
  const startUpMs = [];
  for (let i = 0; i < job.runs; i++) startUpMs.push((await hashOnce(trivial)).wallMs);
  return { firstCallMs: warmUp.wallMs, runsMs: runs.map((r) => r.wallMs), startUpMs, tagHex: runs.at(-1)?.tagHex ?? warmUp.tagHex };
}
