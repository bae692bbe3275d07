import { createRoute } from '@hono/zod-openapi';
import { Ok, TotpEnrolled, TotpEnrollFinishRequest, TotpEnrollStarted, TotpRecovered, TotpRecoverRequest } from '../../protocol/api';
import { encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { removeRecoveryRoute } from '../domain/recovery-settings';
import { setUpAppendContext } from '../domain/account-log';
import { finishTotpEnrollment, recoverWithTotp, startTotpEnrollment } from '../domain/totp';
import { findUserById } from '../store/accounts';
import { readSecret } from '../store/secrets';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, limitSignIn, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { openSession } from '../http/sessions';

/** TOTP fallback: enrolment (unlocked, online) and server-escrowed recovery; see domain/totp.ts. */
export function totpRecoveryRoutes(deps: AppDeps) {
  const tags = ['recovery'];
  const signedIn = requireSession(deps, ['passkey', 'device']);
  const passkeyOnly = requireSession(deps, ['passkey']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'post', path: '/enroll/start', tags, summary: 'Start TOTP enrolment: a new secret and its otpauth:// URI', security: sessionCookie,
        middleware: [signedIn] as const,
        responses: { 200: jsonResponse(TotpEnrollStarted, 'Show the QR code and the secret'), ...errorResponses },
      }),
      async (c) => {
        const { userId } = sessionOf(c);
        const user = await findUserById(deps.store, userId);
        if (!user) throw new KeyholdError('unauthenticated', 'Sign in first.');
        const who = { userId, username: user.username, issuer: deps.config.rpName };
        return c.json(await startTotpEnrollment(deps.store, deps.pepper, deps.config.totp, who, deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/enroll/finish', tags, summary: 'Finish TOTP enrolment with a valid code, with the log entry naming it on a logged account; escrows R', security: sessionCookie,
        middleware: [signedIn] as const,
        request: jsonBody(TotpEnrollFinishRequest),
        responses: { 200: jsonResponse(TotpEnrolled, 'Enrolled'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const session = sessionOf(c);
        const ctx = await setUpAppendContext(deps.store, deps.pepper, session, body.logEntry, deps.now());
        return c.json(await finishTotpEnrollment(deps.store, deps.pepper, deps.config.totp, session.userId, body, ctx), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/recover', tags, summary: 'Recover with a TOTP code: releases R and the wrap, opens a recovery session',
        request: jsonBody(TotpRecoverRequest),
        responses: { 200: jsonResponse(TotpRecovered, 'Recovered'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        await limitSignIn(c, deps, `totp-recovery:${body.username}`);
        const ctx = { now: deps.now(), address: clientAddress(c, deps) };
        const { result, r, wrap } = await recoverWithTotp(deps.store, deps.pepper, deps.config.totp, body, ctx, async (tx, userId) => ({
          session: await openSession(c, deps, { userId, scope: 'recovery' }, tx),
          keyBundle: (await readSecret(tx, userId, 'key_bundle')) ?? null,
        }));
        return c.json({ ...result, r: encodeBase64Url(r), escrowedWrap: wrap }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/', tags, summary: 'Turn TOTP recovery off (passkey session)', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        responses: { 200: jsonResponse(Ok, 'Turned off'), ...errorResponses },
      }),
      async (c) => {
        await removeRecoveryRoute(deps.store, sessionOf(c).userId, 'totp', deps.now());
        return c.json({ ok: true as const }, 200);
      },
    );
}
