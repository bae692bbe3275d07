import { statSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { COMPRESSIBLE_FILE, FILE_PATH } from '../../protocol/app-paths';
import type { AppEnv } from './context';

/**
 * Serving the built PWA (dist/): the `.br`/`.gz` copies written at build time
 * (scripts/precompress.ts) for a client that accepts them, a cache lifetime per kind of file, the
 * app shell for any other path outside /api/, and a 404 for a missing file.
 */

/** Vite names every file under /assets/ by its content hash: a changed file is a new URL. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * index.html, sw.js, the manifest, robots.txt and the unhashed icons: stored, but checked with
 * the server before each use, so a deploy reaches every browser at its next load (the service
 * worker's update flow depends on seeing a new sw.js at once).
 */
export const REVALIDATE = 'no-cache';

/** The codings the build writes copies for (scripts/precompress.ts); serveStatic prefers br. */
const PRECOMPRESSED_CODINGS = ['br', 'gzip'];

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * Whether serveStatic may pick a precompressed copy for this request. It reads Accept-Encoding as
 * a plain comma-separated list (a coding with a q-value counts as not offered, so it never sends
 * one the client refused) and, when it sends a copy, sets `Vary: Accept-Encoding` itself.
 */
function mayGetCopy(c: Context<AppEnv>): boolean {
  const offered = new Set(c.req.header('accept-encoding')?.split(',').map((coding) => coding.trim()));
  return PRECOMPRESSED_CODINGS.some((coding) => offered.has(coding));
}

/**
 * How much older than its file a `.br`/`.gz` copy may be and still count as made from it: copying
 * dist/ without keeping times (`cp -r`) stamps the files a moment apart, in no set order.
 */
const COPY_CLOCK_SLACK_MS = 2_000;

/**
 * Whether the file `path` names under `root` has a compressed copy older than itself: the file was
 * replaced after the build (an operator's own robots.txt, a hand-patched sw.js), and the copy would
 * send the old content. Such a file is sent as it is. A path serveStatic refuses (dot segments,
 * escapes) is not looked at: it is served by nobody.
 */
function hasStaleCopy(root: string, path: string): boolean {
  if (path.includes('%') || /(?:^|\/)\.\.?(?:\/|$)/.test(path)) return false;
  const file = join(root, path);
  const original = statSync(file, { throwIfNoEntry: false });
  if (!original?.isFile()) return false;
  return ['.br', '.gz'].some((ext) => {
    const copy = statSync(file + ext, { throwIfNoEntry: false });
    return copy !== undefined && copy.mtimeMs < original.mtimeMs - COPY_CLOCK_SLACK_MS;
  });
}

/**
 * The middleware serving `root` (the built app) for GET and HEAD outside /api/. Headers are set
 * before the file is read: prepared on the context, they ride on whatever response serveStatic
 * makes, and @hono/node-server keeps its fast path for a streamed file.
 */
export function serveBuiltApp(root: string): MiddlewareHandler<AppEnv> {
  // A Range request gets a range of the file itself: a range of a compressed copy is valid HTTP
  // but useless to anything that asks for ranges (media, resumed downloads).
  const negotiated = serveStatic({ root, precompressed: true });
  const identity = serveStatic({ root });
  const shell = serveStatic({ root, path: 'index.html', precompressed: true });
  const shellIdentity = serveStatic({ root, path: 'index.html' });
  const notFound = async () => undefined;

  return async (c, next) => {
    const path = c.req.path;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || isApiPath(path)) return next();
    const ranged = c.req.header('range') !== undefined;
    const isFile = FILE_PATH.test(path);
    // Every path that is not a file is answered with index.html (`/` as the directory's index).
    const negotiates = !ranged && mayGetCopy(c) && !hasStaleCopy(root, isFile ? path : '/index.html');
    // serveStatic adds Vary only to a compressed answer; an identity answer to a file that has
    // copies must say so as well, or a shared cache could hand it to everyone.
    if (!negotiates && (!isFile || COMPRESSIBLE_FILE.test(path))) c.header('Vary', 'Accept-Encoding');
    c.header('Cache-Control', path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);

    const file = await (negotiates ? negotiated : identity)(c, notFound);
    if (file) return file;
    // Nothing under that path: no year-long lifetime for what may exist after the next deploy.
    c.header('Cache-Control', REVALIDATE);
    if (isFile) return next(); // the app's 404: a missing script must never come back as HTML
    return (negotiates ? shell : shellIdentity)(c, next);
  };
}
