import type { Context, MiddlewareHandler } from 'hono';
import type { RegisteredApp } from '../domain/apps';
import { cors } from 'hono/cors';
import { KeyholdError } from '../errors';
import type { AppDeps, AppEnv } from './context';
import { errorResponse } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Response headers a registered app's page may read. */
const EXPOSED_HEADERS = ['Retry-After'];

/**
 * Names the app of every API request by its Origin header and answers CORS for it:
 * - an Origin a registered app lists: the app goes on `c.var.app`, and the reply (preflights too)
 *   carries credentialed CORS headers echoing that exact origin, so the app's pages on another
 *   origin of the same site can call the API with the session cookie;
 * - a state-changing request from any other Origin, or with none: 403 `bad_origin` (CSRF defence
 *   on top of SameSite=Strict cookies); nothing runs;
 * - a safe request from another Origin runs with no CORS headers, so the browser keeps the answer
 *   from the page; a preflight gets an empty 204 with none, so the browser sends nothing after it;
 * - a safe request with no Origin (a same-origin GET, which browsers send without one) belongs to
 *   the default app, as it did before apps existed.
 * Every reply varies by Origin, so no cache hands one app's answer to another.
 */
export function appOrigins(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const allowRegistered = cors({
    // Echo only the origin the resolved app lists (never '*': credentials are included).
    origin: (origin, c) => (c.get('app')?.origins.includes(origin) ? origin : null),
    credentials: true,
    allowMethods: API_METHODS,
    allowHeaders: ['Content-Type'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    const app = origin === undefined ? undefined : await deps.apps.appOfOrigin(origin);
    // Fetch standard, CORS-preflight fetch: a preflight is an OPTIONS naming the method it asks for; any other OPTIONS is an
    // ordinary request (the API routes none: 404).
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
    if (app && preflight) {
      c.set('app', app);
      return allowRegistered(c, next);
    }
    if (app && c.req.method !== 'OPTIONS') {
      // The headers hono's cors() gives an actual (not preflight) request, prepared before the
      // handler runs: cors() sets them on `c.res` before the handler, then appends Vary after it,
      // and each makes @hono/node-server build a full WHATWG Response and copy it (measured:
      // a few per cent of a device sign-in's CPU). Same headers, same values, errors included.
      c.set('app', app);
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(','));
      c.header('Vary', 'Origin');
      await next();
      return;
    }
    c.header('Vary', 'Origin');
    if (!SAFE_METHODS.has(c.req.method)) return errorResponse(c, new KeyholdError('bad_origin', 'This request must come from a registered app.'));
    if (preflight) return c.body(null, 204);
    c.set('app', origin === undefined ? deps.apps.defaultApp : app);
    await next();
  };
}

/** The request's app (`appOrigins`); `bad_origin` for a request no app claims (only safe requests get past `appOrigins` without one). */
export function appOf(c: Context<AppEnv>): RegisteredApp {
  const app = c.get('app');
  if (!app) throw new KeyholdError('bad_origin', 'This request must come from a registered app.');
  return app;
}

/**
 * The origin a device's signature binds (protocol/device-signin.ts): the request's Origin header,
 * which `appOrigins` has checked is one its app lists. The page signs its own `location.origin`,
 * so a signature made for one app (or one key server) opens nothing on another.
 */
export function signedOrigin(c: Context<AppEnv>): string {
  const origin = c.req.header('origin');
  const app = appOf(c);
  if (origin === undefined || !app.origins.includes(origin)) throw new KeyholdError('bad_origin', 'This request must come from a registered app.');
  return origin;
}
