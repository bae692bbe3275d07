import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  AddPasskeyVerifyRequest,
  Id,
  Ok,
  PasskeySummary,
  RegisterOptionsRequest,
  RegisterVerifyRequest,
  SignedIn,
  SignInOptionsRequest,
  SignInVerifyRequest,
  WebAuthnOptions,
} from '../../protocol/api';
import { encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { finishRegistration, finishSignIn, startRegistration, startSignIn, type RelyingParty } from '../domain/passkeys';
import { appendAuditEvent } from '../store/audit';
import { deleteCredential, findUserById, findUserByName, listCredentials } from '../store/accounts';
import { deleteSecret } from '../store/secrets';
import { releaseTotpLock } from '../domain/totp';
import { inUserTransaction } from '../domain/user-transaction';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, limitSignIn, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { describePasskey, openSession } from '../http/sessions';

/** Passkey accounts: create, sign in, add and remove passkeys (WebAuthn via @simplewebauthn/server). */
export function passkeyRoutes(deps: AppDeps) {
  const rp: RelyingParty = { id: deps.config.rpId, name: deps.config.rpName, origin: deps.config.origin };
  const passkeyOnly = requireSession(deps, ['passkey']);
  // A recovery session may add a passkey for the new device, so it can unlock and sign in with one.
  const passkeyOrRecovery = requireSession(deps, ['passkey', 'recovery']);
  const tags = ['passkeys'];

  return createRouter()
    .openapi(
      createRoute({
        method: 'post', path: '/register/options', tags, summary: 'Start creating an account with a passkey',
        request: jsonBody(RegisterOptionsRequest),
        responses: { 200: jsonResponse(WebAuthnOptions, 'PublicKeyCredentialCreationOptionsJSON'), ...errorResponses },
      }),
      async (c) => {
        const { username } = c.req.valid('json');
        await limitSignIn(c, deps, `register:${username}`);
        if (await findUserByName(deps.store, username)) throw new KeyholdError('username_taken', 'That username is taken.');
        const userId = encodeBase64Url(randomBytes(16));
        return c.json(await startRegistration(deps.store, rp, { userId, username, existing: [] }, 'register', deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/register/verify', tags, summary: 'Finish creating an account; opens a passkey session',
        request: jsonBody(RegisterVerifyRequest),
        responses: { 200: jsonResponse(SignedIn, 'Account created and signed in'), ...errorResponses },
      }),
      async (c) => {
        const { response, passkeyName } = c.req.valid('json');
        const created = await finishRegistration(deps.store, rp, response as never, 'register', { passkeyName, now: deps.now() });
        const session = await openSession(c, deps, { userId: created.userId, scope: 'passkey' });
        return c.json({ session, passkey: describePasskey(created.credential) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/signin/options', tags, summary: 'Start a passkey sign-in (also evaluates each credential\'s PRF salt)',
        request: jsonBody(SignInOptionsRequest),
        responses: { 200: jsonResponse(WebAuthnOptions, 'PublicKeyCredentialRequestOptionsJSON'), ...errorResponses },
      }),
      async (c) => {
        const { username } = c.req.valid('json');
        await limitSignIn(c, deps, username);
        return c.json(await startSignIn(deps.store, rp, deps.pepper, username, deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/signin/verify', tags, summary: 'Finish a passkey sign-in; opens a passkey session',
        request: jsonBody(SignInVerifyRequest),
        responses: { 200: jsonResponse(SignedIn, 'Signed in'), ...errorResponses },
      }),
      async (c) => {
        const { response } = c.req.valid('json');
        const now = deps.now();
        const address = clientAddress(c, deps);
        const { userId, credential } = await finishSignIn(deps.store, rp, response as never, {
          now,
          address,
          onUser: async (id) => {
            const user = await findUserById(deps.store, id);
            if (user) await limitSignIn(c, deps, user.username, 'finish');
          },
        });
        const session = await inUserTransaction(deps.store, userId, async (tx) => {
          await appendAuditEvent(tx, userId, 'signin.passkey.success', { credentialId: credential.id, address }, now);
          // The owner proved themselves: a TOTP route locked by wrong codes opens again.
          await releaseTotpLock(tx, userId, now);
          return openSession(c, deps, { userId, scope: 'passkey' }, tx);
        });
        return c.json({ session, passkey: describePasskey(credential) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/', tags, summary: 'List the account\'s passkeys', security: sessionCookie,
        middleware: [requireSession(deps)] as const,
        responses: { 200: jsonResponse(z.object({ passkeys: z.array(PasskeySummary) }), 'Passkeys'), ...errorResponses },
      }),
      async (c) => {
        const rows = await listCredentials(deps.store, sessionOf(c).userId);
        return c.json({ passkeys: rows.map(describePasskey) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/add/options', tags, summary: 'Start adding another passkey (passkey or recovery session)', security: sessionCookie,
        middleware: [passkeyOrRecovery] as const,
        responses: { 200: jsonResponse(WebAuthnOptions, 'PublicKeyCredentialCreationOptionsJSON'), ...errorResponses },
      }),
      async (c) => {
        const { userId } = sessionOf(c);
        const user = await findUserById(deps.store, userId);
        if (!user) throw new KeyholdError('unauthenticated', 'Sign in first.');
        const existing = await listCredentials(deps.store, userId);
        return c.json(await startRegistration(deps.store, rp, { userId, username: user.username, existing }, 'add_passkey', deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/add/verify', tags, summary: 'Finish adding a passkey', security: sessionCookie,
        middleware: [passkeyOrRecovery] as const,
        request: jsonBody(AddPasskeyVerifyRequest),
        responses: { 200: jsonResponse(z.object({ passkey: PasskeySummary }), 'Passkey added'), ...errorResponses },
      }),
      async (c) => {
        const { response, passkeyName } = c.req.valid('json');
        const added = await finishRegistration(deps.store, rp, response as never, 'add_passkey', { passkeyName, sessionUserId: sessionOf(c).userId, now: deps.now() });
        return c.json({ passkey: describePasskey(added.credential) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/{id}', tags, summary: 'Remove a passkey (never the last one)', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        request: { params: z.object({ id: Id }) },
        responses: { 200: jsonResponse(Ok, 'Removed'), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { userId } = sessionOf(c);
        // The user lock serialises concurrent removals: both must not pass the "not the last" check.
        await inUserTransaction(deps.store, userId, async (tx) => {
          const mine = await listCredentials(tx, userId);
          if (!mine.some((p) => p.id === id)) throw new KeyholdError('not_found', 'No such passkey.');
          if (mine.length === 1) throw new KeyholdError('last_passkey', 'This is your only passkey; add another before removing it.');
          await deleteCredential(tx, userId, id);
          await deleteSecret(tx, userId, 'wrap_prf', id);
          await appendAuditEvent(tx, userId, 'passkey.removed', { credentialId: id }, deps.now());
        });
        return c.json({ ok: true as const }, 200);
      },
    );
}
