/**
 * What a first visit downloads: the JS index.html loads (and whatever it statically imports),
 * and the Argon2 worker chunk that should stay out of it, with the WASM it loads (separate .wasm
 * assets the chunk names, or a build inlined in the chunk as base64).
 * Sizes are bytes; gzip is node:zlib at level 9.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { minifySync } from 'vite';
import type { AppBuild, RenderedModule } from './builds';

export interface FileSize {
  file: string;
  raw: number;
  gzip: number;
}

/** Where the initial JS comes from: one row per npm package or per source folder. */
export interface OriginSize {
  origin: string;
  modules: number;
  /** The group's modules minified together on their own (oxc), then gzipped on their own. */
  minified: number;
  gzip: number;
}

export interface SizeFigures {
  /** Scripts and modulepreloads named by dist/index.html, plus their static imports. */
  initialJs: FileSize[];
  initialJsGzip: number;
  initialCss: FileSize[];
  worker: FileSize;
  /**
   * The WASM the worker chunk loads: each dist/assets/*.wasm whose name it holds (`file` set), or
   * the build base64-inlined in it, decoded (`base64Chars` set).
   */
  wasm: Array<{ file?: string; base64Chars?: number; raw: number; gzip: number }>;
  /** index.html's text mentions the worker chunk or a WASM asset (it must not). */
  workerInIndexHtml: boolean;
  /** The entry chunk names the worker chunk's URL (expected: main.ts passes it to `new Worker`). */
  workerUrlInEntry: boolean;
  byOrigin: OriginSize[];
  /**
   * Rough gzip size of the initial JS without its largest origin: the real total scaled by how
   * much the minified groups shrink, gzipped together, when that origin is left out.
   */
  withoutLargestOriginGzip: number;
}

const gzip = (bytes: Uint8Array | string): number => gzipSync(bytes, { level: 9 }).length;

function sizeOf(dist: string, file: string): FileSize {
  const bytes = readFileSync(join(dist, file));
  return { file, raw: bytes.length, gzip: gzip(bytes) };
}

/** `src`/`href` of `<script type="module">` and `<link rel="modulepreload|stylesheet">` tags, without the leading slash. */
function linkedFromHtml(html: string): { scripts: string[]; styles: string[] } {
  const attr = (tag: string, name: string) => tag.match(new RegExp(`\\b${name}="([^"]+)"`))?.[1];
  const scripts: string[] = [];
  const styles: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    if (tag.startsWith('<script')) {
      const src = attr(tag, 'src');
      if (src) scripts.push(src.replace(/^\//, ''));
    } else {
      const rel = attr(tag, 'rel');
      const href = attr(tag, 'href');
      if (href && rel === 'modulepreload') scripts.push(href.replace(/^\//, ''));
      if (href && rel === 'stylesheet') styles.push(href.replace(/^\//, ''));
    }
  }
  return { scripts, styles };
}

/** node_modules/<package> for dependencies, the first two path segments for our own files. */
function originOf(id: string, root: string): string {
  const inPackage = id.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (inPackage) return inPackage[1]!;
  const relative = id.startsWith(root) ? id.slice(root.length).replace(/^\//, '') : id.replace(/^\0/, '');
  const parts = relative.split(/[/?]/);
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : relative.split('?')[0]!;
}

function groupByOrigin(modules: readonly RenderedModule[], root: string): Array<OriginSize & { code: string }> {
  const groups = new Map<string, string[]>();
  for (const m of modules) {
    const key = originOf(m.id, root);
    groups.set(key, [...(groups.get(key) ?? []), m.code]);
  }
  return [...groups]
    .map(([origin, codes]) => {
      const source = codes.join('\n');
      let code = source;
      try {
        const result = minifySync(`${origin.replace(/\W+/g, '_')}.js`, source, { compress: true, mangle: true });
        if (!result.errors?.length) code = result.code;
      } catch {
        // a fragment oxc cannot parse on its own: keep the unminified size
      }
      return { origin, modules: codes.length, minified: Buffer.byteLength(code), gzip: gzip(code), code };
    })
    .filter((g) => g.minified > 0)
    .sort((a, b) => b.gzip - a.gzip);
}

export function measureSizes(root: string, appBuild: AppBuild): SizeFigures {
  const dist = join(root, 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const { scripts, styles } = linkedFromHtml(html);
  // A static import is fetched before the entry runs, whether or not index.html preloads it.
  const initial = new Set(scripts);
  for (const file of initial) for (const imported of appBuild.chunks.get(file)?.imports ?? []) initial.add(imported);
  const initialJs = [...initial].map((file) => sizeOf(dist, file));

  const assets = readdirSync(join(dist, 'assets'));
  const workerFile = assets.find((f) => /^argon2\.worker-.*\.js$/.test(f));
  if (!workerFile) throw new Error('dist/assets has no argon2.worker-*.js chunk');
  const worker = sizeOf(dist, `assets/${workerFile}`);
  const workerSource = readFileSync(join(dist, worker.file), 'utf8');
  const wasmFiles = assets.filter((f) => f.endsWith('.wasm') && workerSource.includes(f));
  const wasm: SizeFigures['wasm'] = wasmFiles.map((f) => sizeOf(dist, `assets/${f}`));
  const base64 = (workerSource.match(/[A-Za-z0-9+/]{4096,}={0,2}/g) ?? []).sort((a, b) => b.length - a.length)[0];
  if (base64) {
    const inlined = Buffer.from(base64, 'base64');
    if (inlined.readUInt32BE(0) !== 0x0061736d) throw new Error(`the longest base64 run in ${worker.file} is not WASM`);
    wasm.push({ base64Chars: base64.length, raw: inlined.length, gzip: gzip(inlined) });
  }
  if (!wasm.length) throw new Error(`${worker.file} names no .wasm asset and holds no inlined WASM`);

  const entryModules = initialJs.flatMap((f) => appBuild.chunks.get(f.file)?.modules ?? []);
  const groups = groupByOrigin(entryModules, root);
  const initialJsGzip = initialJs.reduce((n, f) => n + f.gzip, 0);
  const together = (list: typeof groups) => gzip(list.map((g) => g.code).join('\n'));
  const withoutLargestOriginGzip = groups.length > 1 ? Math.round((initialJsGzip * together(groups.slice(1))) / together(groups)) : initialJsGzip;
  return {
    initialJs,
    initialJsGzip,
    initialCss: styles.map((file) => sizeOf(dist, file)),
    worker,
    wasm,
    workerInIndexHtml: html.includes('argon2.worker') || wasmFiles.some((f) => html.includes(f)),
    workerUrlInEntry: initialJs.some((f) => readFileSync(join(dist, f.file), 'utf8').includes(workerFile)),
    byOrigin: groups.map(({ code: _code, ...size }) => size),
    withoutLargestOriginGzip,
  };
}
