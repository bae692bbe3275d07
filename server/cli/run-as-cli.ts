import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where an operator command writes its report: stdout when run as a command, a string in a test. */
export type Write = (text: string) => void;

/**
 * Runs an operator command's `main` when its file is the process's entry point
 * (`node --import tsx server/cli/<name>.ts`), and does nothing when a test imports the file to call
 * the command's function in process. Exits with `main`'s code, or 2 with one line on stderr,
 * `<name>: <message>`, when it throws (configuration, database): never a stack trace.
 */
export function runAsCli(moduleUrl: string, name: string, main: () => Promise<number>): void {
  const entry = process.argv[1];
  if (!entry || realpathSync(entry) !== realpathSync(fileURLToPath(moduleUrl))) return;
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exit(2);
    },
  );
}
