/**
 * The baseline for `npm run bench:server`: Hono on @hono/node-server with one route and nothing
 * else (no middleware, no database), so the key server's figures can be read as a fraction of
 * what the framework and the socket layer allow on the same machine.
 *
 * `/bare/reply` is a reference, not the baseline: the same framework sending what a backup fetch
 * sends (a reply of the same JSON shape and size, with the headers the API sets on every reply,
 * by the API's own middleware) and doing nothing else: no session, no database, no validation.
 * No backup fetch can be faster than it. Given a key server's database, the server also mounts
 * the rungs between the two (bench/lib/backup-rungs.ts).
 */
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { encodeBase64Url } from '../protocol/base64url';
import type { AppDeps } from '../server/http/context';
import { securityHeaders } from '../server/http/security-headers';
import { mountBackupRungs, rungTargetFromEnv } from './lib/backup-rungs';
import { KEY_BUNDLE_BYTES, WRAP_PRF_BYTES } from './lib/seed-account';

const app = new Hono();
app.get('/bare', (c) => c.json({ ok: true, service: 'bare' }));

const now = Date.now();
const backupReply = {
  keyBundle: { blob: encodeBase64Url(randomBytes(KEY_BUNDLE_BYTES)), version: 1, updatedAt: now },
  wrapPrf: [{ credentialId: encodeBase64Url(randomBytes(16)), blob: encodeBase64Url(randomBytes(WRAP_PRF_BYTES)), version: 1, updatedAt: now }],
};
// securityHeaders reads only the origin (for HSTS); the bench serves plain HTTP like the key server run.
const apiHeaders = securityHeaders({ config: { origin: 'http://localhost' } } as unknown as AppDeps);
const noStore: MiddlewareHandler = async (c, next) => {
  c.header('Cache-Control', 'no-store'); // as server/app.ts sets on every API reply
  await next();
};
app.get('/bare/reply', apiHeaders, noStore, (c) => c.json(backupReply));
const rungs = rungTargetFromEnv(process.env);
if (rungs) mountBackupRungs(app, rungs, [apiHeaders, noStore]);

const port = Number(process.env.PORT ?? 0);
const hostname = process.env.HOST ?? '127.0.0.1';
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: info.port })}\n`);
});

const shutdown = () => server.close(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
