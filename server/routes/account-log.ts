import { createRoute } from '@hono/zod-openapi';
import { AccountLogAppended, AccountLogPage, AccountLogQuery, AppendAccountLogRequest } from '../../protocol/api';
import { appendInTransaction, limitLogAppends, readLogPage } from '../domain/account-log';
import { inUserTransaction } from '../domain/user-transaction';
import { createRouter, type AppDeps } from '../http/context';
import { requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';

/** The signed account log: read it, append signed entries to it (domain/account-log.ts). */
export function accountLogRoutes(deps: AppDeps) {
  const tags = ['account'];
  // Any session of the account: a recovering device signs its own device.add with its recovery session.
  const anySession = requireSession(deps, ['passkey', 'device', 'recovery']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'get', path: '/log', tags, security: sessionCookie,
        summary: 'The account log after seq `after` (≤ 500 entries, ascending) with the head: clients verify it from their identity key',
        middleware: [anySession] as const,
        request: { query: AccountLogQuery },
        responses: { 200: jsonResponse(AccountLogPage, 'A page of the log'), ...errorResponses },
      }),
      async (c) => c.json(await readLogPage(deps.store, deps.pepper, sessionOf(c).userId, c.req.valid('query').after), 200),
    )
    .openapi(
      createRoute({
        method: 'post', path: '/log', tags, security: sessionCookie,
        summary: 'Append signed entries on top of the head (a removal or a key rotation needs a passkey sign-in of the last 5 minutes, unless the server already removed it)',
        middleware: [anySession] as const,
        request: jsonBody(AppendAccountLogRequest),
        responses: { 200: jsonResponse(AccountLogAppended, 'The new head'), ...errorResponses },
      }),
      async (c) => {
        const { entries } = c.req.valid('json');
        const session = sessionOf(c);
        const now = deps.now();
        await limitLogAppends(deps.store, session.userId, now);
        const head = await inUserTransaction(deps.store, session.userId, (tx) =>
          appendInTransaction(tx, session.userId, entries, { pepper: deps.pepper, now, appId: session.appId, session }),
        );
        return c.json(head, 200);
      },
    );
}
