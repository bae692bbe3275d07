import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress';
import { startTestServer, type TestServer } from '../../test/helpers/harness';
import { scratchDir } from '../../test/helpers/scratch-dir';
import { IMMUTABLE } from './static';

/** What a browser on a phone sends (Chromium's list). */
const BROWSER = 'gzip, deflate, br, zstd';
const ROBOTS = readFileSync(new URL('../../public/robots.txt', import.meta.url));

/**
 * The built app as the key server ships it: a dist/ of minified-looking text, precompressed by the
 * build's own step, served through the whole app (`app.request`, every middleware). Static serving
 * does not touch the database, so one dialect does.
 */
describe('serving the built app', () => {
  let dist: string;
  let server: TestServer;
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from(`<!doctype html><html lang="en"><head><title>Keyhold</title><script type="module" src="/assets/index-1a2b3c.js"></script></head><body>${'<kh-app></kh-app>'.repeat(40)}</body></html>`),
    'assets/index-1a2b3c.js': Buffer.from(Array.from({ length: 500 }, (_, i) => `export const f${i}=(v)=>v.map((x)=>x*${i}).filter(Boolean);`).join('\n')),
    'assets/tiny-4d5e.js': Buffer.from('export{};'),
    'sw.js': Buffer.from(`self.__WB_MANIFEST=${JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ url: `assets/chunk-${i}.js`, revision: null })))};`),
    'manifest.webmanifest': Buffer.from(JSON.stringify({ name: 'Keyhold', short_name: 'Keyhold', start_url: '/', display: 'standalone', icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }], description: 'Your private keys, encrypted on this device.' })),
    'icons/icon-192.png': randomBytes(2048),
    'robots.txt': ROBOTS,
    'policy.txt': Buffer.from('Keyhold keeps your keys on your device. '.repeat(40)),
  };

  beforeAll(async () => {
    dist = scratchDir('kh-dist-');
    mkdirSync(join(dist, 'assets'));
    mkdirSync(join(dist, 'icons'));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dist, file), bytes);
    precompressDir(dist);
    server = await startTestServer('sqlite', { STATIC_DIR: dist });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => server.app.request(path, { method, headers });
  const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

  it.each([
    ['br', BROWSER, (b: Buffer) => brotliDecompressSync(b)],
    ['gzip', 'gzip, deflate', (b: Buffer) => gunzipSync(b)],
  ])('sends the %s copy to a client that accepts it: same bytes once decoded, its own length, Vary', async (coding, accept, decode) => {
    const res = await get('/assets/index-1a2b3c.js', { 'accept-encoding': accept });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe(coding);
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const body = await bytesOf(res);
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.length).toBeLessThan(files['assets/index-1a2b3c.js']!.length / 5);
    expect(decode(body).equals(files['assets/index-1a2b3c.js']!)).toBe(true);
  });

  it.each([
    ['no Accept-Encoding', {}],
    ['identity only', { 'accept-encoding': 'identity' }],
    ['codings with q-values it does not read', { 'accept-encoding': 'br;q=0, gzip;q=0' }],
  ])('sends the file itself, with Vary, to a client with %s', async (_, headers) => {
    const res = await get('/assets/index-1a2b3c.js', headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(Number(res.headers.get('content-length'))).toBe(files['assets/index-1a2b3c.js']!.length);
    expect((await bytesOf(res)).equals(files['assets/index-1a2b3c.js']!)).toBe(true);
  });

  it('sends a file too small to be worth compressing as it is', async () => {
    const res = await get('/assets/tiny-4d5e.js', { 'accept-encoding': BROWSER });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect((await bytesOf(res)).equals(files['assets/tiny-4d5e.js']!)).toBe(true);
  });

  it('sends a file replaced after the build as it is, never the copies of the file it replaced', async () => {
    const file = join(dist, 'policy.txt');
    const copies = [`${file}.br`, `${file}.gz`];
    // Copied without keeping times (cp -r): the copies a second older than the file still count.
    const now = Date.now() / 1000;
    for (const copy of copies) utimesSync(copy, now - 1, now - 1);
    utimesSync(file, now, now);
    expect((await get('/policy.txt', { 'accept-encoding': BROWSER })).headers.get('content-encoding')).toBe('br');
    // An operator's own version, written an hour after the build.
    const replaced = Buffer.from('Our own policy. '.repeat(40));
    writeFileSync(file, replaced);
    for (const copy of copies) utimesSync(copy, now - 3600, now - 3600);
    const res = await get('/policy.txt', { 'accept-encoding': BROWSER });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect((await bytesOf(res)).equals(replaced)).toBe(true);
  });

  it('answers HEAD with the headers of the GET it stands for and no body', async () => {
    const get_ = await get('/sw.js', { 'accept-encoding': BROWSER });
    const head = await get('/sw.js', { 'accept-encoding': BROWSER }, 'HEAD');
    expect(head.status).toBe(200);
    for (const name of ['content-encoding', 'content-length', 'content-type', 'cache-control', 'vary']) expect(head.headers.get(name), name).toBe(get_.headers.get(name));
    expect(head.headers.get('content-encoding')).toBe('br');
    expect((await bytesOf(head)).length).toBe(0);
  });

  it('answers a Range request with a range of the file itself, never of a compressed copy', async () => {
    const original = files['assets/index-1a2b3c.js']!;
    const res = await get('/assets/index-1a2b3c.js', { 'accept-encoding': BROWSER, range: 'bytes=10-29' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-range')).toBe(`bytes 10-29/${original.length}`);
    expect((await bytesOf(res)).equals(original.subarray(10, 30))).toBe(true);
    const beyond = await get('/assets/index-1a2b3c.js', { range: `bytes=${original.length}-` });
    expect(beyond.status).toBe(416);
  });

  it.each([
    ['/assets/index-1a2b3c.js', IMMUTABLE],
    ['/assets/tiny-4d5e.js', IMMUTABLE],
    ['/', 'no-cache'],
    ['/index.html', 'no-cache'],
    ['/sw.js', 'no-cache'],
    ['/manifest.webmanifest', 'no-cache'],
    ['/icons/icon-192.png', 'no-cache'],
    ['/robots.txt', 'no-cache'],
    ['/settings/recovery', 'no-cache'],
  ])('gives %s the lifetime %s', async (path, cacheControl) => {
    const res = await get(path, { 'accept-encoding': BROWSER });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(cacheControl);
  });

  it('serves the app shell, compressed, for a path of the app that is no file', async () => {
    for (const path of ['/', '/settings/recovery', '/unlock']) {
      const res = await get(path, { 'accept-encoding': BROWSER });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-encoding'), path).toBe('br');
      expect(brotliDecompressSync(await bytesOf(res)).equals(files['index.html']!), path).toBe(true);
    }
    const plain = await get('/settings/recovery');
    expect(plain.headers.get('vary')).toBe('Accept-Encoding');
    expect((await bytesOf(plain)).equals(files['index.html']!)).toBe(true);
  });

  it.each(['/missing.js', '/assets/index-0000.js', '/icons/icon-1024.png', '/favicon.ico', '/.env', '/settings/x.json', '/sitemap.xml?page=1'])(
    'answers 404, not the app shell, for the missing file %s (and no year-long lifetime)',
    async (path) => {
      const res = await get(path, { 'accept-encoding': BROWSER });
      expect(res.status).toBe(404);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(await res.text()).not.toContain('<!doctype html>');
    },
  );

  it('never serves a file from outside the built app', async () => {
    for (const path of ['/../package.json', '/assets/..%2f..%2fpackage.json', '/%2e%2e/package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('"name"');
    }
  });

  it('serves robots.txt: crawlers may read the app shell but not the API', async () => {
    const res = await get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(ROBOTS.toString('utf8'));
    const rules = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(rules).toEqual(['User-agent: *', 'Disallow: /api/']);
  });

  it('leaves the API as it was: JSON, no-store, never compressed or cached, and its own 404', async () => {
    const health = await get('/api/health', { 'accept-encoding': BROWSER });
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(health.headers.get('content-encoding')).toBeNull();
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    const missing = await get('/api/no-such-route.json', { 'accept-encoding': BROWSER });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('does not serve files to other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await server.app.request('/index.html', { method, headers: { origin: server.config.origin } });
      expect(res.status, method).toBe(404);
    }
  });
});
