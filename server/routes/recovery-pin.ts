import { createRoute } from '@hono/zod-openapi';
import {
  Ok,
  PinRecovered,
  PinRecoveryFinishRequest,
  PinRecoveryParams,
  PinRecoveryParamsRequest,
  PinRecoveryStarted,
  PinRecoveryStartRequest,
  PinRegistered,
  PinRegisterFinishRequest,
  PinRegisterStarted,
  PinRegisterStartRequest,
} from '../../protocol/api';
import { setUpAppendContext } from '../domain/account-log';
import { finishPinRecovery, finishPinRegistration, pinRecoveryParams, startPinRecovery, startPinRegistration } from '../domain/pin-recovery';
import { evaluateOnEventLoop } from '../domain/oprf-pool';
import { removeRecoveryRoute } from '../domain/recovery-settings';
import { readSecret } from '../store/secrets';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, limitSignIn, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { openSession } from '../http/sessions';

/** PIN recovery, guess-limited: the protocol is described in domain/pin-recovery.ts (RFC 9497 OPRF). */
export function pinRecoveryRoutes(deps: AppDeps) {
  const tags = ['recovery'];
  // Registering follows onboarding and every PIN change (device session), and a recovery (recovery session).
  const registrant = requireSession(deps, ['passkey', 'device', 'recovery']);
  const passkeyOnly = requireSession(deps, ['passkey']);
  const oprf = deps.oprf ?? evaluateOnEventLoop;

  return createRouter()
    .openapi(
      createRoute({
        method: 'post', path: '/register/start', tags, summary: 'Start (re-)registering PIN recovery: a fresh k_u evaluates the blinded element', security: sessionCookie,
        middleware: [registrant] as const,
        request: jsonBody(PinRegisterStartRequest),
        responses: { 200: jsonResponse(PinRegisterStarted, 'The evaluation and the registration to finish'), ...errorResponses },
      }),
      async (c) => {
        const { blindedElement } = c.req.valid('json');
        return c.json(await startPinRegistration(deps.store, deps.pepper, oprf, sessionOf(c).userId, blindedElement, deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/register/finish', tags, summary: 'Store the tag and wrap_pinRecovery(S), with the log entry naming them on a logged account; the allowance starts full', security: sessionCookie,
        middleware: [registrant] as const,
        request: jsonBody(PinRegisterFinishRequest),
        responses: { 200: jsonResponse(PinRegistered, 'Registered'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const session = sessionOf(c);
        const ctx = await setUpAppendContext(deps.store, deps.pepper, session, body.logEntry, deps.now());
        return c.json(await finishPinRegistration(deps.store, session.userId, body, { ...ctx, allowance: deps.config.pinRecoveryGuesses }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/params', tags, summary: 'Salt, Argon2id costs and guesses left for a username (spends nothing)',
        request: jsonBody(PinRecoveryParamsRequest),
        responses: { 200: jsonResponse(PinRecoveryParams, 'What the Argon2id run needs'), ...errorResponses },
      }),
      async (c) => {
        const { username } = c.req.valid('json');
        await limitSignIn(c, deps, `pin-recovery:${username}`);
        return c.json(await pinRecoveryParams(deps.store, deps.pepper, username, { now: deps.now(), allowance: deps.config.pinRecoveryGuesses }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/start', tags, summary: 'Spend one guess, then evaluate the blinded element with k_u',
        request: jsonBody(PinRecoveryStartRequest),
        responses: { 200: jsonResponse(PinRecoveryStarted, 'The evaluation and the single-use attempt'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        await limitSignIn(c, deps, `pin-recovery:${body.username}`);
        const ctx = { now: deps.now(), address: clientAddress(c, deps), allowance: deps.config.pinRecoveryGuesses };
        return c.json(await startPinRecovery(deps.store, deps.pepper, oprf, body, ctx), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/finish', tags, summary: 'Compare the tag; a match returns the wrap and key bundle and opens a recovery session',
        request: jsonBody(PinRecoveryFinishRequest),
        responses: { 200: jsonResponse(PinRecovered, 'Recovered'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const { result, record } = await finishPinRecovery(deps.store, body, { now: deps.now(), address: clientAddress(c, deps), pepper: deps.pepper }, async (tx, userId) => ({
          session: await openSession(c, deps, { userId, scope: 'recovery' }, tx),
          keyBundle: (await readSecret(tx, userId, 'key_bundle')) ?? null,
        }));
        return c.json({ ...result, wrap: record.wrap, salt: record.salt, guessesLeft: record.guesses_left }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/', tags, summary: 'Turn PIN recovery off (passkey session)', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        responses: { 200: jsonResponse(Ok, 'Turned off'), ...errorResponses },
      }),
      async (c) => {
        await removeRecoveryRoute(deps.store, sessionOf(c).userId, 'pin', deps.now());
        return c.json({ ok: true as const }, 200);
      },
    );
}
