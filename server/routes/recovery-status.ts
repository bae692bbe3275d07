import { createRoute } from '@hono/zod-openapi';
import { RecoveryStatus } from '../../protocol/api';
import { recoveryStatus } from '../domain/recovery-settings';
import { createRouter, type AppDeps } from '../http/context';
import { requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonResponse, sessionCookie } from '../http/openapi';

/** Which recovery routes the account has set up: what the settings screen shows. */
export function recoveryStatusRoutes(deps: AppDeps) {
  return createRouter().openapi(
    createRoute({
      method: 'get', path: '/status', tags: ['recovery'], summary: 'Recovery routes: PIN (guesses left) and TOTP (enrolled, locked)', security: sessionCookie,
      middleware: [requireSession(deps, ['passkey', 'device', 'recovery'])] as const,
      responses: { 200: jsonResponse(RecoveryStatus, 'Active routes'), ...errorResponses },
    }),
    async (c) => c.json(await recoveryStatus(deps.store, deps.pepper, sessionOf(c).userId), 200),
  );
}
