import { createRoute } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONValue } from 'hono/utils/types';
import { z } from 'zod';
import { AuditPage, AuditQuery, Ok, SessionInfo } from '../../protocol/api';
import { KeyholdError } from '../errors';
import { deleteUserRows, findUserById, listCredentials } from '../store/accounts';
import { appendAuditEvent, eraseAuditChain, listAuditEvents } from '../store/audit';
import { listDevices } from '../store/devices';
import { findPinRecovery } from '../store/pin-recovery';
import { listSecrets, readSecret } from '../store/secrets';
import { findRecoveryKit } from '../store/recovery-kits';
import { findTotpRecovery } from '../store/totp-recovery';
import { endSession } from '../store/sessions';
import { listLogEntries } from '../store/account-log';
import { ACCOUNT_LOG_MAX_ENTRIES } from '../../protocol/constants';
import { inUserTransaction } from '../domain/user-transaction';
import { createRouter, type AppDeps } from '../http/context';
import { clearSessionCookie, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonResponse, sessionCookie } from '../http/openapi';
import { describePasskey, describeSession } from '../http/sessions';
import { exportStream, toEvent } from './account-export';

/**
 * A reply whose body is the JSON document the route declares, written as a stream: typed as that
 * JSON reply, which `c.json` would have built in memory.
 */
const streamedJson = (res: Response) => res as unknown as TypedResponse<{ [key: string]: JSONValue }, 200, 'json'>;

/** The signed-in user's session, audit log, export and erasure. */
export function accountRoutes(deps: AppDeps) {
  const signedIn = requireSession(deps);
  const passkeyOnly = requireSession(deps, ['passkey']);
  const anySession = requireSession(deps, ['passkey', 'device', 'recovery']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'get', path: '/session', tags: ['session'], summary: 'Who is signed in', security: sessionCookie,
        middleware: [anySession] as const,
        responses: { 200: jsonResponse(SessionInfo, 'The session'), ...errorResponses },
      }),
      async (c) => c.json(await describeSession(deps, sessionOf(c)), 200),
    )
    .openapi(
      createRoute({
        method: 'post', path: '/session/signout', tags: ['session'], summary: 'End this session', security: sessionCookie,
        middleware: [anySession] as const,
        responses: { 200: jsonResponse(Ok, 'Signed out'), ...errorResponses },
      }),
      async (c) => {
        const session = sessionOf(c);
        await inUserTransaction(deps.store, session.userId, async (tx) => {
          await endSession(tx, session.idHash);
          await appendAuditEvent(tx, session.userId, 'session.signout', { scope: session.scope, deviceId: session.deviceId }, deps.now());
        });
        clearSessionCookie(c, deps);
        return c.json({ ok: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/audit', tags: ['audit'], summary: 'The user\'s audit events, newest first', security: sessionCookie,
        middleware: [signedIn] as const,
        request: { query: AuditQuery },
        responses: { 200: jsonResponse(AuditPage, 'A page of events'), ...errorResponses },
      }),
      async (c) => {
        const { before, limit } = c.req.valid('query');
        // One row more than the page tells whether an older page exists (after a retention purge the
        // oldest entry kept is not seq 1, so the seq alone cannot say).
        const rows = await listAuditEvents(deps.store, sessionOf(c).userId, limit + 1, before);
        const page = rows.slice(0, limit);
        const events = await Promise.all(page.map(async (row) => {
          const event = toEvent(row);
          // Entries written since issue 17 name the app that caused them (store/audit-chain.ts); older ones name none.
          const appId = event.data.app;
          return { ...event, app: typeof appId === 'string' ? await deps.apps.describe(appId) : null };
        }));
        return c.json({ events, nextBefore: rows.length > limit ? page.at(-1)!.seq : null }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/account/export', tags: ['account'], summary: 'Everything stored about the user: ciphertexts, records and audit entries', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'The export'), ...errorResponses },
      }),
      async (c) => {
        const { userId } = sessionOf(c);
        const user = await findUserById(deps.store, userId);
        if (!user) throw new KeyholdError('unauthenticated', 'Sign in first.');
        const headers = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Disposition': 'attachment; filename="keyhold-export.json"' };
        // HEAD runs this handler too: it gets the headers, and is no export worth a line in the log.
        if (c.req.method === 'HEAD') return streamedJson(c.body(null, 200, headers));
        const now = deps.now();
        await inUserTransaction(deps.store, userId, (tx) => appendAuditEvent(tx, userId, 'account.exported', {}, now));
        const [passkeys, devices, keyBundle, wraps, pin, totp, kit, log] = await Promise.all([
          listCredentials(deps.store, userId),
          listDevices(deps.store, userId),
          readSecret(deps.store, userId, 'key_bundle'),
          listSecrets(deps.store, userId, 'wrap_prf'),
          findPinRecovery(deps.store, userId),
          findTotpRecovery(deps.store, userId),
          findRecoveryKit(deps.store, userId),
          listLogEntries(deps.store, userId, 0, ACCOUNT_LOG_MAX_ENTRIES),
        ]);
        // The small parts here; records and audit entries follow page by page (account-export.ts).
        const head = {
          format: 'keyhold-export/v1',
          exportedAt: now,
          user: { id: user.id, username: user.username, createdAt: user.created_at },
          passkeys: passkeys.map((p) => ({ ...describePasskey(p, wraps.some((w) => w.ref === p.id)), counter: p.counter })),
          devices: devices.map((d) => ({ id: d.id, app: d.app_id, name: d.name, publicKey: JSON.parse(d.public_key_jwk) as unknown, createdAt: d.created_at, revokedAt: d.revoked_at })),
          backup: { keyBundle: keyBundle ?? null, wrapPrf: wraps.map(({ ref, ...b }) => ({ credentialId: ref, ...b })) },
          // The user's ciphertexts and counters; what is sealed under the pepper (k_u, the TOTP secret, R) stays on the server.
          recovery: {
            pin: pin ? { salt: pin.salt, argon2: { memoryKiB: pin.argon2_memory_kib, iterations: pin.argon2_iterations, parallelism: pin.argon2_parallelism }, wrap: pin.wrap, guessesLeft: pin.guesses_left, allowance: pin.allowance, version: pin.version, updatedAt: pin.updated_at } : null,
            totp: totp ? { escrowedWrap: totp.wrap, enrolledAt: totp.enrolled_at, locked: totp.locked === 1 } : null,
            // The wrap only: the digest of kitAuth is a credential (it decides who gets the wrap), not the user's data.
            kit: kit ? { createdAt: kit.created_at, wrap: kit.wrap } : null,
          },
          // The account's signed log, each entry as the user's devices signed it.
          accountLog: log.map((row) => JSON.parse(row.entry) as unknown),
        };
        return streamedJson(c.body(exportStream(deps.store, userId, head), 200, headers));
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/account', tags: ['account'], summary: 'Erase the account: every row goes; a tombstone stays in the audit chain', security: sessionCookie,
        middleware: [passkeyOnly] as const,
        responses: { 200: jsonResponse(Ok, 'Erased'), ...errorResponses },
      }),
      async (c) => {
        const { userId } = sessionOf(c);
        await inUserTransaction(deps.store, userId, async (tx) => {
          await deleteUserRows(tx, userId);
          await eraseAuditChain(tx, userId, deps.now());
        });
        clearSessionCookie(c, deps);
        // Where the app shares this origin, the browser wipes its storage (every tab's IndexedDB,
        // caches, service workers) before the page sees this answer; the page wipes too, which is
        // all there is elsewhere (docs/architecture.md "Deleting the account").
        c.header('Clear-Site-Data', '"storage"');
        return c.json({ ok: true as const }, 200);
      },
    );
}
