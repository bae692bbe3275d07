import { OpenAPIHono } from '@hono/zod-openapi';
import type { ServerConfig } from '../config';
import type { AppRegistry } from '../domain/app-registry';
import type { RegisteredApp } from '../domain/apps';
import type { OprfEvaluator } from '../domain/oprf-pool';
import type { Pepper } from '../domain/pepper';
import { KeyholdError } from '../errors';
import type { Session } from '../store/sessions';
import type { Store } from '../store/store';
import type { Logger } from './logger';

/** What every route needs, built once in key-server.ts (or a test) and passed down explicitly. */
export interface AppDeps {
  store: Store;
  config: ServerConfig;
  pepper: Pepper;
  log: Logger;
  version: string;
  now: () => number;
  /** Where PIN-recovery OPRF evaluations run: the server's worker-thread pool; on the event loop when absent (an app built in process). */
  oprf?: OprfEvaluator;
  /** The registered apps (domain/app-registry.ts): which Origins may call the API. */
  apps: AppRegistry;
}

/** What `buildApp` is given: the app registry is made from the store and configuration when absent. */
export type ServerDeps = Omit<AppDeps, 'apps'> & { apps?: AppRegistry };

export interface AppEnv {
  Variables: {
    session: Session;
    requestId: string;
    /**
     * The app the request comes from (http/apps.ts): the one listing its Origin, or the default
     * app for a safe request with no Origin (a same-origin GET); undefined for a safe request from
     * an origin no app lists. Per-app scoping reads it from here.
     */
    app: RegisteredApp | undefined;
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
