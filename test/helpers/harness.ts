import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { buildApp } from '../../server/app';
import { loadConfig, type ServerConfig } from '../../server/config';
import { registerApp } from '../../server/domain/app-registration';
import { createPepper, type Pepper } from '../../server/domain/pepper';
import { silentLogger, type Logger } from '../../server/http/logger';
import type { OprfEvaluator } from '../../server/domain/oprf-pool';
import { migrateToLatest, openDatabase } from '../../server/store/database';
import type { Dialect, Store } from '../../server/store/store';
import { createTestDatabase } from './postgres';
import { scratchDir } from './scratch-dir';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the server project's global setup (test/global-setup.ts) says its PostgreSQL is, and its migrated template. */
    pgUrl: string;
    pgTemplate: string;
  }
}

export const ORIGIN = 'http://localhost:8080';
export const RP_ID = 'localhost';
/** The ecosystem's second app in tests (issue 17): Field notes, on another port of localhost (one site, as two subdomains are). */
export const NOTES_APP = { id: 'fieldnotes', name: 'Field notes', origins: ['http://localhost:5174'] };
export const NOTES_ORIGIN = NOTES_APP.origins[0]!;

/** The pepper every test server holds: tests that write sealed values as the server would (an account log head) make it again. */
export const testPepper = (): Pepper => createPepper(new Uint8Array(32).fill(7));

/** Both dialects every storage and API suite runs against. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

export interface TestServer {
  dialect: Dialect;
  /** The PostgreSQL database's URL (postgres dialect only), for tools run as a separate process. */
  databaseUrl: string | undefined;
  store: Store;
  config: ServerConfig;
  /** A clock the test can move: every route reads time from it. */
  clock: { now: number };
  app: ReturnType<typeof buildApp>['app'];
  /** The server's registered apps; `refresh()` picks up what `npm run apps` changed, without waiting. */
  apps: ReturnType<typeof buildApp>['apps'];
  close(): Promise<void>;
}

/**
 * A real key server on a real database: a fresh SQLite file in a scratch dir, or a fresh database
 * on the suite's PostgreSQL server. Requests go through `app.request()` (no sockets).
 */
/** Sign-in limits no test file's many sign-ins reach, for files that are not testing the limits. */
export const UNLIMITED_SIGNINS = { SIGNIN_LIMIT_PER_ACCOUNT: '10000', SIGNIN_LIMIT_PER_ADDRESS: '10000' };

export async function startTestServer(dialect: Dialect, env: Record<string, string> = {}, opts: { log?: Logger; oprf?: OprfEvaluator } = {}): Promise<TestServer> {
  const dir = scratchDir('kh-test-');
  const databaseUrl = dialect === 'postgres' ? await createTestDatabase(inject('pgUrl'), { template: inject('pgTemplate') }) : undefined;
  const database = databaseUrl ? openDatabase({ postgresUrl: databaseUrl, poolSize: 5 }) : openDatabase({ sqliteFile: join(dir, 'keyhold.sqlite') });
  await migrateToLatest(database.db);
  const { store } = database;
  const config = loadConfig({ DATA_DIR: dir, ORIGIN, RP_ID, STATIC_DIR: '', LOG_REQUESTS: 'false', ...env });
  const clock = { now: Date.now() };
  const { app, apps } = buildApp({ store, config, pepper: testPepper(), log: opts.log ?? silentLogger, version: 'test', now: () => clock.now, ...(opts.oprf ? { oprf: opts.oprf } : {}) });
  await apps.refresh();
  return {
    dialect,
    databaseUrl,
    store,
    config,
    clock,
    app,
    apps,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers Field notes on `server` as `npm run apps -- add` does, and has the server see it at once. */
export async function addNotesApp(server: TestServer): Promise<void> {
  await registerApp(server.store, NOTES_APP, server.clock.now);
  await server.apps.refresh();
}

/** A test server with Field notes registered beside Keyhold and sign-in limits no test reaches: the setup of the cross-app route tests. */
export async function startTwoAppServer(dialect: Dialect): Promise<TestServer> {
  const server = await startTestServer(dialect, UNLIMITED_SIGNINS);
  await addNotesApp(server);
  return server;
}

export interface ApiReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Asserts a JSON error reply: its status, its stable error code and any `extra` fields of the error
 * (guesses left, a retry time); the body is shown when the status differs.
 */
export function expectError(reply: ApiReply | undefined, status: number, code: string, extra: Record<string, unknown> = {}): void {
  expect(reply?.status, JSON.stringify(reply?.body)).toBe(status);
  expect(reply?.body.error).toMatchObject({ code, ...extra });
}

/**
 * A browser-like client for one user agent: sends the app's Origin, keeps the cookies it is given
 * (HttpOnly cookies are still sent by a browser) and sends them all back, as a browser sends every
 * cookie of the key server's host whichever app's page calls it; parses JSON replies.
 */
export class ApiClient {
  /** The Cookie header it sends: `name=value` pairs joined by `; ` (set it to replay or steal one). */
  cookie: string | undefined;
  origin: string = ORIGIN;
  address: string | undefined;

  constructor(private readonly server: TestServer) {}

  async call<T = any>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.origin) headers.origin = this.origin;
    if (this.cookie) headers.cookie = this.cookie;
    if (this.address) headers['x-forwarded-for'] = this.address;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.server.app.request(path, { method, headers, body: payload });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.#keepCookie(setCookie);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Replaces (or, when emptied or expired, drops) the cookie of that name; other cookies stay. */
  #keepCookie(setCookie: string): void {
    const pair = setCookie.split(';')[0]!;
    const name = pair.slice(0, pair.indexOf('='));
    const others = (this.cookie?.split('; ') ?? []).filter((c) => !c.startsWith(`${name}=`));
    const kept = /=$/.test(pair) || /Max-Age=0/i.test(setCookie) ? others : [...others, pair];
    this.cookie = kept.length > 0 ? kept.join('; ') : undefined;
  }

  get<T = any>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.call<T>('POST', path, body ?? {});
  }
  put<T = any>(path: string, body?: unknown) {
    return this.call<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.call<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.call<T>('DELETE', path);
  }
}
