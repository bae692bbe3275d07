import { OpenAPIHono } from '@hono/zod-openapi';
import type { ServerConfig } from '../config';
import type { Pepper } from '../domain/pepper';
import { KeyholdError } from '../errors';
import type { Session } from '../store/sessions';
import type { Store } from '../store/store';
import type { Logger } from './logger';

/** What every route needs, built once in main.ts (or a test) and passed down explicitly. */
export interface AppDeps {
  store: Store;
  config: ServerConfig;
  pepper: Pepper;
  log: Logger;
  version: string;
  now: () => number;
}

export interface AppEnv {
  Variables: {
    session: Session;
    requestId: string;
  };
}

/**
 * A router whose schema failures become `invalid_request` with the first failing field named
 * (never the value that failed: it could be a secret).
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? issue.path.join('.') : result.target;
        // zod's message for unknown keys quotes them, and they are the client's input too.
        const what = issue?.code === 'unrecognized_keys' ? 'unrecognized field' : (issue?.message ?? 'invalid');
        throw new KeyholdError('invalid_request', `${where}: ${what}`);
      }
      return undefined;
    },
  });
}

/** Shared OpenAPI response entries for the error body. */
export { ErrorResponse } from '../../protocol/api';
