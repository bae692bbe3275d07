import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  AddPasskeyVerifyRequest,
  Id,
  Ok,
  PasskeySummary,
  RegisterOptionsRequest,
  RegisterVerifyRequest,
  RenameRequest,
  SignedIn,
  SignInOptionsRequest,
  SignInVerifyRequest,
  WebAuthnOptions,
} from '../../protocol/api';
import { encodeBase64Url } from '../../protocol/base64url';
import { KeyholdError } from '../errors';
import { withBoundCredential } from '../domain/account-log-head';
import { finishRegistration, finishSignIn, startRegistration, startSignIn, type RelyingParty } from '../domain/passkeys';
import { appendAuditEvent } from '../store/audit';
import { deleteCredential, findUserById, findUserByName, listCredentials, renameCredential } from '../store/accounts';
import { touchLiveDevice } from '../store/devices';
import { findAppDevice } from '../domain/devices';
import { credentialsWithWrap, deleteSecret } from '../store/secrets';
import { releaseTotpLock } from '../domain/totp';
import { inUserTransaction } from '../domain/user-transaction';
import type { Store } from '../store/store';
import { appOf } from '../http/apps';
import { createRouter, type AppDeps, type AppEnv } from '../http/context';
import { clientAddress, limitSignIn, requireFreshPasskey, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { describePasskey, openSession } from '../http/sessions';

/** Passkey accounts: create, sign in, add and remove passkeys (WebAuthn via @simplewebauthn/server). */
export function passkeyRoutes(deps: AppDeps) {
  // One RP ID for the ecosystem, but a ceremony verifies only for the origins of the app whose
  // request carries it: the session it opens is that app's, so an assertion made on one app's page
  // (replayed by a client that forges Origin) must not open another app's session.
  const relyingParty = (c: Context<AppEnv>): RelyingParty => ({ id: deps.config.rpId, name: deps.config.rpName, origins: appOf(c).origins });
  const freshPasskey = requireFreshPasskey(deps);
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
        return c.json(await startRegistration(deps.store, relyingParty(c), { userId, username, existing: [] }, 'register', deps.now()), 200);
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
        const created = await finishRegistration(deps.store, relyingParty(c), response as never, 'register', { passkeyName, now: deps.now(), pepper: deps.pepper });
        const session = await openSession(c, deps, { userId: created.userId, scope: 'passkey', credentialId: created.credential.id });
        return c.json({ session, passkey: describePasskey(created.credential, false) }, 200);
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
        return c.json(await startSignIn(deps.store, relyingParty(c), deps.pepper, username, deps.now()), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/signin/verify', tags, summary: 'Finish a passkey sign-in; opens a passkey session',
        request: jsonBody(SignInVerifyRequest),
        responses: { 200: jsonResponse(SignedIn, 'Signed in'), ...errorResponses },
      }),
      async (c) => {
        const { response, deviceId } = c.req.valid('json');
        const now = deps.now();
        const address = clientAddress(c, deps);
        const appId = appOf(c).id;
        const { userId, credential } = await finishSignIn(deps.store, relyingParty(c), response as never, {
          now,
          address,
          onUser: async (id) => {
            const user = await findUserById(deps.store, id);
            if (user) await limitSignIn(c, deps, user.username, 'finish');
          },
        });
        // The passkey must be one the account's signed log holds (once it has one): else 401 credential_unbound, audited.
        const bound = { kind: 'passkey' as const, id: credential.id, publicKey: credential.public_key };
        const session = await withBoundCredential(deps.store, deps.pepper, userId, bound, { now, address }, async (tx) => {
          if (deviceId !== undefined) await bindToLiveDevice(tx, userId, appId, deviceId, now);
          await appendAuditEvent(tx, userId, 'signin.passkey.success', { credentialId: credential.id, address, app: appId, ...(deviceId === undefined ? {} : { deviceId }) }, now);
          // The owner proved themselves: a TOTP route locked by wrong codes opens again.
          await releaseTotpLock(tx, userId, now);
          return openSession(c, deps, { userId, scope: 'passkey', credentialId: credential.id, ...(deviceId === undefined ? {} : { deviceId }) }, tx);
        });
        const canUnlock = (await credentialsWithWrap(deps.store, userId)).has(credential.id);
        return c.json({ session, passkey: describePasskey(credential, canUnlock) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/', tags, summary: 'List the account\'s passkeys', security: sessionCookie,
        middleware: [requireSession(deps)] as const,
        responses: { 200: jsonResponse(z.object({ passkeys: z.array(PasskeySummary) }), 'Passkeys'), ...errorResponses },
      }),
      async (c) => {
        const { userId } = sessionOf(c);
        const [rows, wrapped] = await Promise.all([listCredentials(deps.store, userId), credentialsWithWrap(deps.store, userId)]);
        return c.json({ passkeys: rows.map((row) => describePasskey(row, wrapped.has(row.id))) }, 200);
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
        return c.json(await startRegistration(deps.store, relyingParty(c), { userId, username: user.username, existing }, 'add_passkey', deps.now()), 200);
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
        const added = await finishRegistration(deps.store, relyingParty(c), response as never, 'add_passkey', { passkeyName, sessionUserId: sessionOf(c).userId, now: deps.now(), pepper: deps.pepper });
        return c.json({ passkey: describePasskey(added.credential, false) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'patch', path: '/{id}', tags, summary: 'Rename a passkey (passkey or device session)', security: sessionCookie,
        middleware: [requireSession(deps)] as const,
        request: { params: z.object({ id: Id }), ...jsonBody(RenameRequest) },
        responses: { 200: jsonResponse(z.object({ passkey: PasskeySummary }), 'Renamed'), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { name } = c.req.valid('json');
        const { userId } = sessionOf(c);
        await inUserTransaction(deps.store, userId, async (tx) => {
          if (!(await renameCredential(tx, userId, id, name))) throw new KeyholdError('not_found', 'No such passkey.');
          await appendAuditEvent(tx, userId, 'passkey.renamed', { credentialId: id, name }, deps.now());
        });
        const [rows, wrapped] = await Promise.all([listCredentials(deps.store, userId), credentialsWithWrap(deps.store, userId)]);
        const row = rows.find((r) => r.id === id);
        if (!row) throw new KeyholdError('not_found', 'No such passkey.'); // removed in between
        return c.json({ passkey: describePasskey(row, wrapped.has(id)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/{id}', tags, summary: 'Remove a passkey, never the last one (passkey sign-in of the last 5 minutes)', security: sessionCookie,
        middleware: [freshPasskey] as const,
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

/**
 * Binds a passkey sign-in to the device it happens on, so that removing the device ends this
 * session too (a removed device must stop syncing at once) and the device counts as seen. The
 * device must be one of the account's, of the request's app; a removed one is refused, as its
 * device sign-in is.
 */
async function bindToLiveDevice(tx: Store, userId: string, appId: string, deviceId: string, now: number): Promise<void> {
  // The session is the request's app's: it may name only one of that app's devices.
  const device = await findAppDevice(tx, deviceId, appId);
  if (!device || device.user_id !== userId) throw new KeyholdError('not_found', 'No such device.');
  if (!(await touchLiveDevice(tx, deviceId, now))) {
    throw new KeyholdError('device_revoked', 'This device was removed from the account; recover or sign in with a passkey.');
  }
}
