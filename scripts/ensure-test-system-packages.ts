/**
 * Runs before the tests (`pretest`, `pretest:server`, `pretest:e2e`): makes sure the system
 * programs they drive are installed — PostgreSQL's server binaries, Chromium, oathtool, the
 * reference `argon2` command, and the clang/lld/wasi-libc toolchain that scripts/argon2/build.test.ts rebuilds the Argon2 WASM with. When one
 * is missing and this runs as root where apt-get exists (CI, a fresh Debian machine), it installs
 * the Debian packages without asking; otherwise it prints the one command to run and exits 1.
 *
 *   node --import tsx scripts/ensure-test-system-packages.ts [postgresql] [chromium] [oathtool] [argon2] [wasm-toolchain]
 *
 * Arguments name what a suite needs (a Debian package, or a group of them); none means all.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { findPgBin } from '../test/helpers/postgres';
import { missingToolchain, WASM_TOOLCHAIN_PACKAGES } from './argon2/build';

interface Requirement {
  /** What the tests look for, and the variable that points them elsewhere. */
  readonly what: string;
  readonly installed: () => Promise<boolean>;
  /** The Debian packages that provide it, when not the one named like the requirement. */
  readonly packages?: readonly string[];
}

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const onPath = (program: string): boolean =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && isExecutable(path.join(dir, program)));

// The same places the tests look: test/helpers/postgres.ts, test/e2e/browser.ts, totp-interop.test.ts.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const nativeArgon2 = process.env.ARGON2_PATH ?? '/usr/bin/argon2';
const REQUIREMENTS: Record<string, Requirement> = {
  postgresql: {
    what: `PostgreSQL's initdb and pg_ctl${process.env.PG_BIN ? ` in PG_BIN=${process.env.PG_BIN}` : ''}`,
    installed: () => findPgBin().then(
      () => true,
      () => false,
    ),
  },
  chromium: { what: `Chromium at ${chromium}${process.env.CHROMIUM_PATH ? ' (CHROMIUM_PATH)' : ''}`, installed: async () => isExecutable(chromium) },
  oathtool: { what: 'oathtool on the PATH', installed: async () => onPath('oathtool') },
  // worker/argon2.test.ts checks the WASM builds' tags against the reference C command.
  argon2: { what: `the reference argon2 command at ${nativeArgon2}`, installed: async () => isExecutable(nativeArgon2) },
  'wasm-toolchain': {
    what: 'clang, lld and wasi-libc for wasm32-wasi (npm run build:argon2)',
    installed: async () => missingToolchain() === undefined,
    packages: WASM_TOOLCHAIN_PACKAGES,
  },
};

/** The Debian packages to install for these requirements. */
const debianPackages = (names: readonly string[]): string[] => names.flatMap((name) => REQUIREMENTS[name]!.packages ?? [name]);

async function missingPackages(names: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of names) if (!(await REQUIREMENTS[name]!.installed())) missing.push(name);
  return missing;
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
}

const describe = (names: readonly string[]): string => names.map((name) => REQUIREMENTS[name]!.what).join(', ');

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in REQUIREMENTS));
  if (unknown.length > 0) {
    console.error(`unknown package ${unknown.join(', ')}: expected ${Object.keys(REQUIREMENTS).join(', ')}`);
    return 2;
  }
  const missing = await missingPackages(wanted.length > 0 ? wanted : Object.keys(REQUIREMENTS));
  if (missing.length === 0) return 0;

  const asRoot = process.getuid?.() === 0;
  if (!asRoot || !onPath('apt-get')) {
    const sudo = asRoot ? '' : 'sudo ';
    console.error(`The tests need ${describe(missing)}. Install them with:`);
    console.error(`  ${sudo}apt-get update && ${sudo}apt-get install -y ${debianPackages(missing).join(' ')}`);
    return 1;
  }
  console.error(`The tests need ${describe(missing)}: apt-get install -y ${debianPackages(missing).join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...debianPackages(missing)]);
  const stillMissing = await missingPackages(missing);
  if (stillMissing.length > 0) {
    console.error(`Still missing after apt-get install: ${describe(stillMissing)}.`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
