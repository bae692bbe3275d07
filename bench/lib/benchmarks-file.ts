import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BENCHMARKS_HEADER = `# Benchmarks

Measured figures for Keyhold and the command that reproduces each. Figures depend on the machine
and on what else runs on it: compare runs made on the same machine, and re-run before quoting one.
Each section below is rewritten in place by its command.
`;

/**
 * Writes or replaces the section that starts with `heading` in BENCHMARKS.md, leaving every
 * other section as it is, and creates the file with its header if needed.
 */
export function writeBenchmarkSection(file: string, heading: string, section: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : BENCHMARKS_HEADER;
  const start = current.indexOf(heading);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const after = current.slice(start + heading.length);
    const end = after.search(/^## /m);
    const rest = end === -1 ? '' : after.slice(end);
    next = `${current.slice(0, start)}${section}${rest ? `\n${rest}` : ''}`;
  }
  writeFileSync(file, next);
}

/** Things to undo on the way out, newest first; `run` runs them once whether the bench ends, fails or is interrupted. */
export class Cleanups {
  readonly #steps: Array<() => Promise<void> | void> = [];

  push(step: () => Promise<void> | void): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    while (this.#steps.length) {
      try {
        await this.#steps.pop()!();
      } catch (error) {
        console.error(`cleanup: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * Runs a bench's `main`: on SIGINT/SIGTERM and on failure, runs `cleanups` (servers, Chromium,
 * temp dirs) before exiting 130 / 1. Calls that fail because an interrupt is closing what they
 * use are no news, so a failure after an interrupt is not reported.
 */
export function runBench(name: string, main: () => Promise<void>, cleanups: Cleanups): void {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: stopping servers and browsers, removing temp dirs`);
      cleanups.run().finally(() => process.exit(130));
    });
  }
  main().catch(async (error: unknown) => {
    if (interrupted) return;
    console.error(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    await cleanups.run();
    process.exit(1);
  });
}
