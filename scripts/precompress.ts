import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { COMPRESSIBLE_FILE } from '../protocol/app-paths';

/**
 * Build-time compression of the built app: each text file gets a brotli (`.br`, quality 11) and a
 * gzip (`.gz`, level 9) copy beside it, which the key server sends as they are
 * (server/http/static.ts) instead of compressing on every request, or not at all.
 */


/**
 * A copy is kept only when it saves at least this share of the file: below it, the bytes saved do
 * not pay for a second file to keep in step (and tiny files often grow when compressed).
 */
const MIN_SAVING = 0.1;

export interface PrecompressedFile {
  /** Path relative to the directory compressed, with `/` separators. */
  file: string;
  bytes: number;
  /** Size of the `.br` copy, or undefined when it was not worth writing. */
  brotli: number | undefined;
  gzip: number | undefined;
}

/** Brotli at its highest quality, told the input is text (a better model for JS, CSS and HTML). */
export const brotli = (data: Buffer, text: boolean): Buffer =>
  brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: text ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });

/**
 * Writes `<file>.br` and `<file>.gz` beside every compressible file under `dir` where the copy
 * saves at least 10 %; returns what it did, one entry per compressible file.
 */
export function precompressDir(dir: string): PrecompressedFile[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => COMPRESSIBLE_FILE.test(file))
    .sort();
  return files.map((file) => {
    const data = readFileSync(join(dir, file));
    const worth = (copy: Buffer) => copy.length <= data.length * (1 - MIN_SAVING);
    const br = brotli(data, !file.endsWith('.wasm'));
    const gz = gzipSync(data, { level: 9 });
    if (worth(br)) writeFileSync(join(dir, `${file}.br`), br);
    if (worth(gz)) writeFileSync(join(dir, `${file}.gz`), gz);
    return { file, bytes: data.length, brotli: worth(br) ? br.length : undefined, gzip: worth(gz) ? gz.length : undefined };
  });
}

/**
 * The Vite plugin: compresses `build.outDir` once everything is written — after vite-plugin-pwa
 * has generated sw.js (its closeBundle is sequential with the default order; this one runs
 * `post`), so the service worker is compressed too and its precache list, globbed before, names
 * no `.br`/`.gz` copy.
 */
export function precompressPlugin(): Plugin {
  let outDir = 'dist';
  return {
    name: 'keyhold:precompress',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle: {
      sequential: true,
      order: 'post',
      handler() {
        const done = precompressDir(outDir);
        const total = (pick: (f: PrecompressedFile) => number | undefined) => done.reduce((sum, f) => sum + (pick(f) ?? f.bytes), 0);
        this.info(`precompressed ${done.length} files: ${total((f) => f.bytes)} bytes → ${total((f) => f.brotli)} brotli, ${total((f) => f.gzip)} gzip`);
      },
    },
  };
}
