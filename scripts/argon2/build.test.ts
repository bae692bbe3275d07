import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ARGON2_BUILDS, buildArgon2Wasm, clangVersion, missingToolchain, PINNED_CLANG, WASM_TOOLCHAIN_PACKAGES, type Argon2BuildName } from './build';

const COMMITTED = fileURLToPath(new URL('../../worker/wasm/', import.meta.url));

/** Why the rebuild cannot be compared here, or undefined when it can. */
function whyNotComparable(): string | undefined {
  const missing = missingToolchain();
  if (missing) return missing;
  const version = clangVersion();
  return version.startsWith(PINNED_CLANG) ? undefined : `${version} is not ${PINNED_CLANG}, which built the committed files`;
}

const skipReason = whyNotComparable();
if (skipReason) console.warn(`scripts/argon2/build.test.ts skipped: ${skipReason} (Debian packages: ${WASM_TOOLCHAIN_PACKAGES.join(' ')})`);

describe.skipIf(skipReason !== undefined)('npm run build:argon2', () => {
  const out = mkdtempSync(join(tmpdir(), 'kh-argon2-rebuild-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(Object.keys(ARGON2_BUILDS) as Argon2BuildName[])('reproduces the committed %s build byte for byte from the reference C sources', (name) => {
    const rebuilt = readFileSync(buildArgon2Wasm(name, out));
    const committed = readFileSync(join(COMMITTED, ARGON2_BUILDS[name].file));
    expect(rebuilt.equals(committed)).toBe(true);
  });
});

describe('the committed Argon2 builds', () => {
  it('link a module that imports nothing and exports only what the worker needs', () => {
    for (const { file } of Object.values(ARGON2_BUILDS)) {
      const module = new WebAssembly.Module(readFileSync(join(COMMITTED, file)));
      expect(WebAssembly.Module.imports(module)).toEqual([]);
      expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(['argon2_ctx', 'argon2_error_message', 'free', 'malloc', 'memory']);
    }
  });
});
