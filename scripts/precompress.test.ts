import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { precompressDir } from './precompress';

/** Text a minifier leaves: repetitive enough to compress as real bundles do. */
const script = Array.from({ length: 400 }, (_, i) => `export const item${i} = (v) => v.map((x) => x * ${i}).filter(Boolean);`).join('\n');

describe('precompressDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kh-precompress-'));
    mkdirSync(join(dir, 'assets'));
    mkdirSync(join(dir, 'icons'));
    writeFileSync(join(dir, 'assets', 'index-1a2b3c.js'), script);
    writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><title>Keyhold</title></head><body>${'<p>vault</p>'.repeat(50)}</body></html>`);
    writeFileSync(join(dir, 'icons', 'icon-192.png'), randomBytes(4096));
    writeFileSync(join(dir, 'assets', 'random-9f8e.wasm'), randomBytes(4096));
    writeFileSync(join(dir, 'tiny.txt'), 'ok');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes brotli and gzip copies that decompress to the very bytes of each text file', () => {
    precompressDir(dir);
    for (const file of ['assets/index-1a2b3c.js', 'index.html']) {
      const original = readFileSync(join(dir, file));
      const br = readFileSync(join(dir, `${file}.br`));
      const gz = readFileSync(join(dir, `${file}.gz`));
      expect(brotliDecompressSync(br).equals(original), file).toBe(true);
      expect(gunzipSync(gz).equals(original), file).toBe(true);
      expect(br.length, file).toBeLessThan(gz.length);
      expect(gz.length, file).toBeLessThan(original.length / 3);
    }
  });

  it('leaves images alone and writes no copy that would not save a tenth of the file', () => {
    const report = precompressDir(dir);
    expect(existsSync(join(dir, 'icons', 'icon-192.png.br'))).toBe(false);
    expect(existsSync(join(dir, 'icons', 'icon-192.png.gz'))).toBe(false);
    for (const file of ['assets/random-9f8e.wasm', 'tiny.txt']) {
      expect(existsSync(join(dir, `${file}.br`)), file).toBe(false);
      expect(existsSync(join(dir, `${file}.gz`)), file).toBe(false);
    }
    expect(report.map((f) => f.file)).toEqual(['assets/index-1a2b3c.js', 'assets/random-9f8e.wasm', 'index.html', 'tiny.txt']);
    expect(report.find((f) => f.file === 'tiny.txt')).toEqual({ file: 'tiny.txt', bytes: 2, brotli: undefined, gzip: undefined });
  });

  it('does not compress its own copies again when run twice', () => {
    precompressDir(dir);
    const again = precompressDir(dir);
    expect(again.every((f) => !f.file.endsWith('.br') && !f.file.endsWith('.gz'))).toBe(true);
    expect(existsSync(join(dir, 'index.html.br.gz'))).toBe(false);
  });
});
