import { existsSync } from 'node:fs';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { KeyholdError } from './errors';
import { handleError, errorResponse } from './http/errors';
import { AppRegistry } from './domain/app-registry';
import { appOrigins } from './http/apps';
import type { AppDeps, AppEnv, ServerDeps } from './http/context';
import { requestLog } from './http/middleware';
import { securityHeaders } from './http/security-headers';
import { serveBuiltApp } from './http/static';
import { accountRoutes } from './routes/account';
import { appRoutes, mountRelatedOrigins } from './routes/apps';
import { accountLogRoutes } from './routes/account-log';
import { backupRoutes } from './routes/backup';
import { deviceApprovalRoutes } from './routes/device-approvals';
import { deviceRoutes } from './routes/devices';
import { healthRoutes } from './routes/health';
import { lockEverywhereRoutes } from './routes/lock-everywhere';
import { passkeyRoutes } from './routes/passkeys';
import { recordRoutes } from './routes/records';
import { recoveryKitRoutes } from './routes/recovery-kit';
import { pinRecoveryRoutes } from './routes/recovery-pin';
import { recoveryStatusRoutes } from './routes/recovery-status';
import { totpRecoveryRoutes } from './routes/recovery-totp';

/** Builds the key server: the JSON API under /api, its OpenAPI document, and the built PWA. */
export function buildApp(serverDeps: ServerDeps) {
  const deps: AppDeps = { ...serverDeps, apps: serverDeps.apps ?? new AppRegistry(serverDeps.store, serverDeps.config.apps, serverDeps.now) };
  const app = new OpenAPIHono<AppEnv>();
  app.onError(handleError(deps.log));
  app.use('*', requestLog(deps), securityHeaders(deps));

  const api = new OpenAPIHono<AppEnv>();
  api.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    await next();
  });
  // Before the body limit: a preflight is answered, and a foreign write refused, without reading a body.
  api.use('*', appOrigins(deps));
  // The rest of the body is never read: `Connection: close` tells the client not to send its
  // next request on this connection, which the server closes once the reply is out (without it,
  // the client reuses the connection and its next request is lost to the reset that follows).
  const tooLarge = (c: Context<AppEnv>) => {
    c.header('Connection', 'close');
    return errorResponse(c, new KeyholdError('payload_too_large', `The request body is larger than ${deps.config.bodyLimitBytes} bytes.`));
  };
  const limitBody = bodyLimit({ maxSize: deps.config.bodyLimitBytes, onError: tooLarge });
  // GET and HEAD carry no body the API reads. A body with a Content-Length is judged by that
  // header alone (Node's parser holds the body to it): asking hono's bodyLimit would first build
  // the WHATWG Request that @hono/node-server otherwise skips (its `.body` getter does), about a
  // tenth of a device sign-in's CPU. A chunked body is counted as it streams, by bodyLimit.
  api.use('*', (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return limitBody(c, next);
    return Number(length) > deps.config.bodyLimitBytes ? Promise.resolve(tooLarge(c)) : next();
  });

  const routes = api
    .route('/', healthRoutes(deps))
    .route('/passkeys', passkeyRoutes(deps))
    .route('/devices', deviceRoutes(deps))
    .route('/device-approvals', deviceApprovalRoutes(deps))
    .route('/backup', backupRoutes(deps))
    .route('/records', recordRoutes(deps))
    .route('/recovery/pin', pinRecoveryRoutes(deps))
    .route('/recovery/totp', totpRecoveryRoutes(deps))
    .route('/recovery/kit', recoveryKitRoutes(deps))
    .route('/recovery', recoveryStatusRoutes(deps))
    .route('/', accountRoutes(deps))
    .route('/account', lockEverywhereRoutes(deps))
    .route('/account', accountLogRoutes(deps))
    .route('/apps', appRoutes());

  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    servers: [{ url: '/api' }],
    info: { title: 'Keyhold key server', version: deps.version, description: 'Passkey accounts, devices, sessions, the encrypted backup store and the PIN, TOTP and recovery-kit recovery routes. Errors are `{ error: { code, message } }`.' },
  });
  api.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', { type: 'apiKey', in: 'cookie', name: 'kh_session' });
  app.route('/api', api);
  app.notFound((c) =>
    c.req.path.startsWith('/api/') ? errorResponse(c, new KeyholdError('not_found', 'No such API route.')) : c.text('Not found', 404),
  );

  mountRelatedOrigins(app, deps);
  if (deps.config.staticDir && existsSync(deps.config.staticDir)) app.use('*', serveBuiltApp(deps.config.staticDir));
  return { app, routes, apps: deps.apps };
}

export type AppType = ReturnType<typeof buildApp>['routes'];
