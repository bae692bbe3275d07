import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ErrorResponse, Id, RecordChanges, RecordChangesQuery, RecordWriteRequest, RecordWritten } from '../../protocol/api';
import { readRecordChanges, writeRecord } from '../domain/records';
import { createRouter, type AppDeps } from '../http/context';
import { requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';

const errorEntry = (description: string) => ({ content: { 'application/json': { schema: ErrorResponse } }, description });

/**
 * Encrypted records (docs/architecture.md "Records and sync"): a compare-and-set write per record
 * and the change feed, in the space of the session's account and app. Record ids are the client's
 * and belong to that space: the same id in two accounts, or in two apps of one account, names two
 * records, and a session (valid only on its own app's requests) only ever reaches its own space.
 */
export function recordRoutes(deps: AppDeps) {
  const tags = ['records'];
  // Everyday sync runs on a device session. A recovery session only sets the new device up, and
  // downloading the vault is part of that: it may read the feed, never write.
  const signedIn = requireSession(deps, ['passkey', 'device']);
  const orRecovery = requireSession(deps, ['passkey', 'device', 'recovery']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'get', path: '/changes', tags, summary: 'The account\'s record changes after a cursor, oldest first', security: sessionCookie,
        middleware: [orRecovery] as const,
        request: { query: RecordChangesQuery },
        responses: { 200: jsonResponse(RecordChanges, 'A page of changes; `reset` asks for a full pull from 0'), ...errorResponses },
      }),
      async (c) => {
        const { after, limit } = c.req.valid('query');
        const { userId, appId } = sessionOf(c);
        return c.json(await readRecordChanges(deps.store, { userId, appId }, after, limit), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put', path: '/{id}', tags, security: sessionCookie,
        summary: 'Create (expectedVersion 0), replace or delete a record if it is still at expectedVersion',
        middleware: [signedIn] as const,
        request: { params: z.object({ id: Id }), ...jsonBody(RecordWriteRequest) },
        responses: {
          200: jsonResponse(RecordWritten, 'Stored: the new version and its place in the change feed'),
          ...errorResponses,
          403: errorEntry('Wrong origin or session scope, or `record_quota_exceeded`'),
          409: errorEntry('`stale_version`: `error.current` is the stored record (null: none)'),
          413: errorEntry('Body too large, or `record_too_large`'),
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const write = c.req.valid('json');
        const { userId, appId } = sessionOf(c);
        const written = await writeRecord(deps.store, { userId, appId, id }, write, deps.config.records, deps.now());
        return c.json(written, 200);
      },
    );
}
