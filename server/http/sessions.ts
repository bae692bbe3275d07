import type { Context } from 'hono';
import type { PasskeySummaryT, SessionInfoT } from '../../protocol/api';
import { KeyholdError } from '../errors';
import { findUserById, type CredentialRow } from '../store/accounts';
import { createSession, type Session } from '../store/sessions';
import type { SessionScope } from '../store/schema';
import type { Store } from '../store/store';
import type { AppDeps, AppEnv } from './context';
import { appOf } from './apps';
import { setSessionCookie } from './middleware';

/**
 * Opens a session of the request's app (in `tx` when the caller's transaction should commit it
 * with its other writes), sets that app's cookie and returns what the client may know about it.
 */
export async function openSession(
  c: Context<AppEnv>,
  deps: AppDeps,
  s: { userId: string; scope: SessionScope; deviceId?: string; credentialId?: string },
  tx: Store = deps.store,
): Promise<SessionInfoT> {
  // A recovery session only sets the new device up: it ends after RECOVERY_SESSION_MINUTES whatever happens.
  const absoluteMs = s.scope === 'recovery' ? Math.min(deps.config.recoverySessionMs, deps.config.sessionAbsoluteMs) : deps.config.sessionAbsoluteMs;
  const policy = { idleMs: deps.config.sessionIdleMs, absoluteMs };
  const { token, expiresAt } = await createSession(tx, { ...s, appId: appOf(c).id }, policy, deps.now());
  setSessionCookie(c, deps, token, expiresAt);
  const user = await findUserById(tx, s.userId);
  return { userId: s.userId, username: user?.username ?? '', scope: s.scope, deviceId: s.deviceId ?? null, expiresAt };
}

export async function describeSession(deps: AppDeps, session: Session): Promise<SessionInfoT> {
  const user = await findUserById(deps.store, session.userId);
  if (!user) throw new KeyholdError('unauthenticated', 'Sign in first.');
  return { userId: user.id, username: user.username, scope: session.scope, deviceId: session.deviceId, expiresAt: session.expiresAt };
}

/** `canUnlock`: whether the server keeps a wrap_prf(S) for it (store/secrets.ts `credentialsWithWrap`). */
export function describePasskey(c: CredentialRow, canUnlock: boolean): PasskeySummaryT {
  return {
    id: c.id,
    name: c.name,
    prfSalt: c.prf_salt,
    prfEnabled: c.prf_enabled === 1,
    backedUp: c.backed_up === 1,
    createdAt: c.created_at,
    lastUsedAt: c.last_used_at,
    canUnlock,
    publicKey: c.public_key,
  };
}
