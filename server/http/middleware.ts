import { randomUUID } from 'node:crypto';
import { SIGNIN_WINDOW_MS } from '../../protocol/constants';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { freshPasskeyIsBound, isFreshPasskeySession } from '../domain/account-log';
import { KeyholdError } from '../errors';
import { countHits } from '../store/rate-limits';
import { resumeSession, type Session, type SessionPolicy } from '../store/sessions';
import type { SessionScope } from '../store/schema';
import type { Store } from '../store/store';
import { appOf } from './apps';
import type { AppDeps, AppEnv } from './context';

/** One JSON line per request: method, path (no query), status, duration. Never headers or bodies. */
export function requestLog(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    await next();
    if (deps.config.logRequests) {
      deps.log.info('request', { requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 });
    }
  };
}

/**
 * The session cookie of app `appId`. One per app, because every app's credentialed request to
 * the key server's host carries all of that host's cookies: under one name, signing in to one app
 * would replace (sign out) the other's session. The default app keeps `kh_session`, so sessions
 * from before apps existed live on; another app's is `kh_session-<appId>` (app ids are cookie-name
 * safe: APP_ID_PATTERN). `__Host-` over HTTPS: host-only, Secure, Path=/.
 */
export function cookieSettings(deps: AppDeps, appId: string) {
  const secure = deps.config.origin.startsWith('https:');
  return {
    name: appId === deps.apps.defaultApp.id ? 'kh_session' : `kh_session-${appId}`,
    prefix: secure ? ('host' as const) : undefined,
    options: { httpOnly: true, sameSite: 'Strict' as const, path: '/', secure },
  };
}

export function setSessionCookie(c: Context<AppEnv>, deps: AppDeps, token: string, expiresAt: number): void {
  const { name, prefix, options } = cookieSettings(deps, appOf(c).id);
  setCookie(c, name, token, { ...options, expires: new Date(expiresAt), ...(prefix ? { prefix } : {}) });
}

export function clearSessionCookie(c: Context<AppEnv>, deps: AppDeps): void {
  const app = c.get('app');
  if (!app) return;
  const { name, prefix, options } = cookieSettings(deps, app.id);
  deleteCookie(c, name, { ...options, ...(prefix ? { prefix } : {}) });
}

/**
 * Reads the request's app's session cookie; `requireSession` rejects requests without a live
 * session of that app and of the allowed scopes. Another app's cookie is never read, and a
 * session row of another app is not found (store/sessions.ts): either way, the existing 401.
 */
export function requireSession(deps: AppDeps, scopes: readonly SessionScope[] = ['passkey', 'device']): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { token, appId } = sessionToken(c, deps);
    c.set('session', admitSession(c, deps, await resumeSession(deps.store, token, appId, sessionPolicy(deps), deps.now()), scopes));
    await next();
  };
}

/**
 * The request's session cookie token (a secret: never logged) and the app it is for;
 * `unauthenticated` without one, or for a request no app claims (a safe request from an
 * unregistered origin has no session).
 */
export function sessionToken(c: Context<AppEnv>, deps: AppDeps): { token: string; appId: string } {
  const app = c.get('app');
  if (!app) throw new KeyholdError('unauthenticated', 'Sign in first.');
  const { name, prefix } = cookieSettings(deps, app.id);
  const token = prefix ? getCookie(c, name, prefix) : getCookie(c, name);
  if (!token) throw new KeyholdError('unauthenticated', 'Sign in first.');
  return { token, appId: app.id };
}

export function sessionPolicy(deps: AppDeps): SessionPolicy {
  return { idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionAbsoluteMs };
}

/**
 * `requireSession`'s verdict on a session looked up by the caller (for a route that reads its own
 * rows in the same statement, store/session-backup.ts): returns it when live and of one of
 * `scopes`, else throws the same errors (and clears the cookie of an expired one).
 */
export function admitSession<S extends { scope: SessionScope }>(c: Context<AppEnv>, deps: AppDeps, session: S | 'expired' | null, scopes: readonly SessionScope[]): S {
  if (session === null) throw new KeyholdError('unauthenticated', 'Sign in first.');
  if (session === 'expired') {
    clearSessionCookie(c, deps);
    throw new KeyholdError('session_expired', 'Your session expired; sign in again.');
  }
  if (!scopes.includes(session.scope)) {
    throw new KeyholdError('forbidden_scope', 'This needs a passkey sign-in.');
  }
  return session;
}

/**
 * For what a stolen unlocked phone or an old session cookie must not do alone (remove a device or
 * a passkey, lock everywhere): a `passkey` session whose passkey sign-in happened at most
 * FRESH_PASSKEY_SECONDS ago. A passkey session is opened only by a WebAuthn ceremony with user
 * verification and is never renewed, so its `createdAt` is the moment of that ceremony. Any other
 * live session (older passkey, device, recovery) gets 401 `reauth_required`: the client's answer
 * is the same for all of them — a passkey sign-in, then the request again.
 */
export function requireFreshPasskey(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const anySession = requireSession(deps, ['passkey', 'device', 'recovery']);
  return (c, next) =>
    anySession(c, async () => {
      const session = sessionOf(c);
      if (!isFreshPasskeySession(session, deps.now())) {
        throw new KeyholdError('reauth_required', 'Sign in with your passkey again to do this.');
      }
      // Once the account keeps a signed log, the passkey signed in with must be one it holds (a
      // session opened before the log, by a passkey the owner did not vouch for, does not count).
      if (!(await freshPasskeyIsBound(deps.store, deps.pepper, session))) {
        throw new KeyholdError('reauth_required', 'Sign in again with a passkey of this account to do this.');
      }
      await next();
    });
}

export function sessionOf(c: Context<AppEnv>): Session {
  return c.get('session');
}

/**
 * The client's address: the socket peer, or the last X-Forwarded-For hop behind a trusted proxy —
 * the one the proxy appended; earlier hops are whatever the client chose to send.
 */
export function clientAddress(c: Context, deps: AppDeps): string {
  if (deps.config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

/**
 * Counts a sign-in attempt against the account and the client address, in the database so the
 * limits hold across processes; throws `rate_limited` once either is over its limit. Starting and
 * finishing a ceremony count on separate counters: one sign-in is one attempt on each, and
 * challenges stockpiled over several windows still cannot be spent faster than the limit.
 */
export async function limitSignIn(c: Context, deps: AppDeps, account: string, step: 'start' | 'finish' = 'start'): Promise<void> {
  const refusal = await countSignInAttempt(deps.store, deps, { account, address: clientAddress(c, deps) }, step, deps.now());
  if (refusal) throw refusal;
}

/**
 * `limitSignIn` inside the caller's transaction: counts the attempt in `tx` and returns the
 * `rate_limited` error for the caller to throw once `tx` has committed (so the attempt stays
 * counted, and one commit carries the counter with the rest of the sign-in), or null.
 */
export async function countSignInAttempt(tx: Store, deps: AppDeps, who: { account: string; address: string }, step: 'start' | 'finish', now: number): Promise<KeyholdError | null> {
  const windowMs = SIGNIN_WINDOW_MS;
  const prefix = step === 'start' ? 'signin' : 'signin-finish';
  const [perAccount = 0, perAddress = 0] = await countHits(tx, [`${prefix}:account:${who.account}`, `${prefix}:address:${who.address}`], windowMs, now);
  if (perAccount <= deps.config.signinLimitPerAccount && perAddress <= deps.config.signinLimitPerAddress) return null;
  const retryAfterSeconds = Math.ceil((windowMs - (now % windowMs)) / 1000);
  return new KeyholdError('rate_limited', 'Too many sign-in attempts; wait a moment and try again.', { retryAfterSeconds });
}
