import { createRoute } from '@hono/zod-openapi';
import { LockEverywhereRequest, LockEverywhereResult } from '../../protocol/api';
import { createDeviceKeyCache } from '../domain/devices';
import { lockEverywhere } from '../domain/lock-everywhere';
import { appOf, signedOrigin } from '../http/apps';
import { createRouter, type AppDeps } from '../http/context';
import { requireFreshPasskey, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';

/** Lock everywhere: revoke every other device and session, swap in the rotated keys (domain/lock-everywhere.ts). */
export function lockEverywhereRoutes(deps: AppDeps) {
  // A passkey sign-in at most FRESH_PASSKEY_SECONDS ago, not any passkey session (401 reauth_required).
  const freshPasskey = requireFreshPasskey(deps);
  const deviceKeys = createDeviceKeyCache(64);

  return createRouter().openapi(
    createRoute({
      method: 'post', path: '/lock-everywhere', tags: ['account'], security: sessionCookie,
      summary: 'Revoke every other device, end every other session and replace the key bundle and every recovery wrap at once (fresh passkey session)',
      middleware: [freshPasskey] as const,
      request: jsonBody(LockEverywhereRequest),
      responses: { 200: jsonResponse(LockEverywhereResult, 'Locked everywhere'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const session = sessionOf(c);
      const result = await lockEverywhere(deps.store, body, {
        userId: session.userId,
        sessionIdHash: session.idHash,
        origin: signedOrigin(c),
        appId: appOf(c).id,
        pepper: deps.pepper,
        keys: deviceKeys,
        allowance: deps.config.pinRecoveryGuesses,
        now: deps.now(),
      });
      return c.json(result, 200);
    },
  );
}
