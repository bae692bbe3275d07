/**
 * The WASM side of `npm run bench:argon2-passes`, run as its own Node process per round:
 * instantiates one build with the worker's own code (worker/argon2-wasm.ts, so the hash is
 * called exactly as the app's worker calls it), hashes once at each t as a warm-up, then times
 * `pairs` pairs at t-low and t-high and prints one JSON line, as native-timer.c does.
 *
 * Usage: node --import tsx bench/argon2-passes/wasm-timer.ts <build.wasm> <job JSON>
 */
import { readFileSync } from 'node:fs';
import { instantiateArgon2 } from '../../worker/argon2-wasm';
import type { TimerJob, TimerOutput } from './variants';

const [file, jobJson] = process.argv.slice(2);
if (!file || !jobJson) throw new Error('usage: wasm-timer.ts <build.wasm> <job JSON>');
const job = JSON.parse(jobJson) as TimerJob;
const argon2 = await instantiateArgon2(new WebAssembly.Module(readFileSync(file)));
const encode = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function timedHash(iterations: number): { ms: number; tagHex: string } {
  const params = { iterations, memoryKiB: job.memoryKiB, parallelism: job.parallelism, hashLength: job.hashLength };
  const start = performance.now();
  const tag = argon2.hashArgon2id({ password: encode(job.password), salt: encode(job.salt), params });
  return { ms: performance.now() - start, tagHex: hex(tag) };
}

timedHash(job.low);
timedHash(job.high);
const output: TimerOutput = { lowMs: [], highMs: [], lowTag: '', highTag: '' };
for (let i = 0; i < job.pairs; i++) {
  const low = timedHash(job.low);
  const high = timedHash(job.high);
  output.lowMs.push(low.ms);
  output.highMs.push(high.ms);
  output.lowTag = low.tagHex;
  output.highTag = high.tagHex;
}
console.log(JSON.stringify(output));
