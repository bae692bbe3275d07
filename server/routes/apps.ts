import { createRoute } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { CurrentApp, type RelatedOriginsT } from '../../protocol/api-apps';
import { KeyholdError } from '../errors';
import { createRouter, type AppDeps, type AppEnv } from '../http/context';
import { errorResponses, jsonResponse } from '../http/openapi';

/** How long browsers and caches may keep /.well-known/webauthn (an app added shows up after this). */
const RELATED_ORIGINS_MAX_AGE_SECONDS = 300;

/** `GET /api/apps/current`: which registered app the key server takes the caller to be. */
export function appRoutes() {
  return createRouter().openapi(
    createRoute({
      method: 'get', path: '/current', tags: ['apps'], summary: 'The registered app this request comes from (named by its Origin)',
      responses: { 200: jsonResponse(CurrentApp, 'The app'), ...errorResponses },
    }),
    (c) => {
      const app = c.get('app');
      if (!app) throw new KeyholdError('bad_origin', 'This request must come from a registered app.');
      return c.json({ app: { id: app.id, name: app.name } }, 200);
    },
  );
}

/**
 * `GET /.well-known/webauthn` (WebAuthn Level 3 §5.11, Related Origin Requests): the registered
 * origins, so a browser lets an app on another registrable domain use this RP ID. Public and
 * credential-less, so any origin may read it; cacheable for a few minutes.
 */
export function mountRelatedOrigins(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/.well-known/webauthn', async (c) => {
    const body: RelatedOriginsT = { origins: await deps.apps.origins() };
    c.header('Cache-Control', `public, max-age=${RELATED_ORIGINS_MAX_AGE_SECONDS}`);
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    return c.json(body, 200);
  });
}
