import { createRoute } from '@hono/zod-openapi';
import { Ok, RecoveryKitPut, RecoveryKitPutRequest, RecoveryKitRecovered, RecoveryKitRecoverRequest } from '../../protocol/api';
import { setUpAppendContext } from '../domain/account-log';
import { putRecoveryKit, recoverWithKit, removeRecoveryKit } from '../domain/recovery-kit';
import { readSecret } from '../store/secrets';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, limitSignIn, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { openSession } from '../http/sessions';

/** The user-held recovery kit: store or replace its wrap, turn it off, recover with it (domain/recovery-kit.ts). */
export function recoveryKitRoutes(deps: AppDeps) {
  const tags = ['recovery'];
  const signedIn = requireSession(deps, ['passkey', 'device']);
  const passkeyOnly = requireSession(deps, ['passkey']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'put', path: '/', tags, summary: 'Store the recovery kit: S wrapped under KEK_kit and SHA-256(kitAuth), with the log entry naming it on a logged account; replaces an older kit', security: sessionCookie,
        middleware: [signedIn] as const,
        request: jsonBody(RecoveryKitPutRequest),
        responses: { 200: jsonResponse(RecoveryKitPut, 'Stored'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const session = sessionOf(c);
        const ctx = await setUpAppendContext(deps.store, deps.pepper, session, body.logEntry, deps.now());
        return c.json(await putRecoveryKit(deps.store, session.userId, body, ctx), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/', tags, summary: 'Turn the recovery kit off (passkey session)', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        responses: { 200: jsonResponse(Ok, 'Turned off'), ...errorResponses },
      }),
      async (c) => {
        await removeRecoveryKit(deps.store, sessionOf(c).userId, deps.now());
        return c.json({ ok: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/recover', tags, summary: 'Recover with the recovery kit: kitAuth releases the wrap and opens a recovery session',
        request: jsonBody(RecoveryKitRecoverRequest),
        responses: { 200: jsonResponse(RecoveryKitRecovered, 'Recovered'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        await limitSignIn(c, deps, `kit-recovery:${body.username}`);
        const ctx = { now: deps.now(), address: clientAddress(c, deps), pepper: deps.pepper };
        const { userId, username, wrap, createdAt, result } = await recoverWithKit(deps.store, body, ctx, async (tx, id) => ({
          session: await openSession(c, deps, { userId: id, scope: 'recovery' }, tx),
          keyBundle: (await readSecret(tx, id, 'key_bundle')) ?? null,
        }));
        return c.json({ ...result, userId, username, wrap, createdAt }, 200);
      },
    );
}
