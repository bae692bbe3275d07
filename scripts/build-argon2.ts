/**
 * `npm run build:argon2`: rebuilds worker/wasm/argon2-simd.wasm and worker/wasm/argon2.wasm from
 * the Argon2 reference C sources in node_modules/argon2 (see scripts/argon2/build.ts). The
 * outputs are committed; scripts/argon2/build.test.ts checks that this reproduces them.
 */
import { fileURLToPath } from 'node:url';
import { ARGON2_BUILDS, buildArgon2Wasm, clangVersion, missingToolchain, PINNED_CLANG, type Argon2BuildName } from './argon2/build';

const OUT_DIR = fileURLToPath(new URL('../worker/wasm/', import.meta.url));

function main(): number {
  const missing = missingToolchain();
  if (missing) {
    console.error(missing);
    return 1;
  }
  const version = clangVersion();
  if (!version.startsWith(PINNED_CLANG)) {
    console.warn(`warning: ${version} is not ${PINNED_CLANG}; the output may differ from the committed builds.`);
  }
  for (const name of Object.keys(ARGON2_BUILDS) as Argon2BuildName[]) {
    console.log(`built ${buildArgon2Wasm(name, OUT_DIR)}`);
  }
  return 0;
}

process.exitCode = main();
