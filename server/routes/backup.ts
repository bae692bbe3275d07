import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { BackupSnapshot, Id, PutKeyBundleRequest, PutWrapPrfRequest, WriteResult } from '../../protocol/api';
import { KeyholdError } from '../errors';
import { findCredential } from '../store/accounts';
import { appendAuditEvent } from '../store/audit';
import { writeSecret } from '../store/secrets';
import { resumeSessionWithBackup } from '../store/session-backup';
import { inUserTransaction } from '../domain/user-transaction';
import { createRouter, type AppDeps } from '../http/context';
import { admitSession, requireSession, sessionOf, sessionPolicy, sessionToken } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';

/** A recovered device fetches the backup and stores the wrap_prf of a passkey it just added. */
const RECOVERED_OR_SIGNED_IN = ['passkey', 'device', 'recovery'] as const;

/**
 * The secret backup: the key bundle ciphertext and each PRF passkey's wrap of S, as opaque
 * base64url blobs. Writes are compare-and-set on a version number; the server cannot open either.
 */
export function backupRoutes(deps: AppDeps) {
  const tags = ['backup'];
  const signedIn = requireSession(deps);
  const orRecovery = requireSession(deps, RECOVERED_OR_SIGNED_IN);

  return createRouter()
    .openapi(
      createRoute({
        method: 'get', path: '/', tags, summary: 'Fetch the key bundle and every wrap_prf', security: sessionCookie,
        responses: { 200: jsonResponse(BackupSnapshot, 'Current blobs and versions'), ...errorResponses },
      }),
      async (c) => {
        // requireSession's checks, on a session row read in the same statement as the backup.
        const { token, appId } = sessionToken(c, deps);
        const found = await resumeSessionWithBackup(deps.store, token, appId, sessionPolicy(deps), deps.now());
        const { backup: { keyBundle, wrapPrf } } = admitSession(c, deps, found, RECOVERED_OR_SIGNED_IN);
        return c.json({ keyBundle: keyBundle ?? null, wrapPrf: wrapPrf.map(({ ref, ...blob }) => ({ credentialId: ref, ...blob })) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put', path: '/key-bundle', tags, summary: 'Replace the key bundle if it is still at expectedVersion (0 = none yet)', security: sessionCookie,
        middleware: [signedIn] as const,
        request: jsonBody(PutKeyBundleRequest),
        responses: { 200: jsonResponse(WriteResult, 'Stored'), ...errorResponses },
      }),
      async (c) => {
        const { blob, expectedVersion } = c.req.valid('json');
        const { userId, deviceId } = sessionOf(c);
        const now = deps.now();
        const version = await inUserTransaction(deps.store, userId, async (tx) => {
          const stored = await writeSecret(tx, { userId, kind: 'key_bundle', blob, expectedVersion }, now);
          await appendAuditEvent(tx, userId, 'backup.key_bundle.changed', { version: stored, deviceId }, now);
          return stored;
        });
        return c.json({ version }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put', path: '/wrap-prf/{credentialId}', tags, summary: 'Replace the root secret wrapped under a passkey\'s PRF', security: sessionCookie,
        middleware: [orRecovery] as const,
        request: { params: z.object({ credentialId: Id }), ...jsonBody(PutWrapPrfRequest) },
        responses: { 200: jsonResponse(WriteResult, 'Stored'), ...errorResponses },
      }),
      async (c) => {
        const { credentialId } = c.req.valid('param');
        const { blob, expectedVersion } = c.req.valid('json');
        const { userId } = sessionOf(c);
        const now = deps.now();
        const version = await inUserTransaction(deps.store, userId, async (tx) => {
          // Checked under the user lock, so a wrap is never stored for a passkey removed a moment ago.
          const credential = await findCredential(tx, credentialId);
          if (!credential || credential.user_id !== userId) throw new KeyholdError('not_found', 'No such passkey.');
          const stored = await writeSecret(tx, { userId, kind: 'wrap_prf', ref: credentialId, blob, expectedVersion }, now);
          await appendAuditEvent(tx, userId, 'backup.wrap_prf.changed', { credentialId, version: stored }, now);
          return stored;
        });
        return c.json({ version }, 200);
      },
    );
}
