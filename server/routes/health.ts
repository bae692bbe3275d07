import { createRoute } from '@hono/zod-openapi';
import { Health } from '../../protocol/api';
import { isReachable } from '../store/database';
import { createRouter, type AppDeps } from '../http/context';
import { jsonResponse } from '../http/openapi';

export function healthRoutes(deps: AppDeps) {
  return createRouter().openapi(
    createRoute({
      method: 'get', path: '/health', tags: ['health'], summary: 'Version and database reachability',
      responses: { 200: jsonResponse(Health, 'Healthy'), 503: jsonResponse(Health, 'Database unreachable') },
    }),
    async (c) => {
      const up = await isReachable(deps.store.db);
      const body = { status: up ? ('ok' as const) : ('degraded' as const), version: deps.version, database: up ? ('ok' as const) : ('unreachable' as const), dialect: deps.store.dialect };
      return up ? c.json(body, 200) : c.json(body, 503);
    },
  );
}
