import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { DeviceChallenge, DeviceChallengeRequest, DeviceSignInRequest, DeviceSummary, Id, Ok, RegisterDeviceRequest, RenameRequest, SignedIn, type AppRefT, type DeviceSummaryT } from '../../protocol/api';
import { deviceKeyToLogKey } from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { bindingRefusal, logKeyOf, readLogHead } from '../domain/account-log-head';
import type { Pepper } from '../domain/pepper';
import { createDeviceKeyCache, importDeviceKey, issueDeviceChallenge, verifyDeviceSignIn } from '../domain/devices';
import { KeyholdError } from '../errors';
import { appendAuditEvent } from '../store/audit';
import { insertDevice, listDevices, renameDevice, revokeDevice, type DeviceRow } from '../store/devices';
import { bindSessionToDevice, endDeviceSessions, type Session } from '../store/sessions';
import type { Store } from '../store/store';
import { inUserTransaction } from '../domain/user-transaction';
import { appOf, signedOrigin } from '../http/apps';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, countSignInAttempt, requireFreshPasskey, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { openSession } from '../http/sessions';

/** A device as its owner sees it; `current` is the device the asking session is bound to; `app` names the device's app. */
function describeDevice(d: DeviceRow, session: Session, app: AppRefT): DeviceSummaryT {
  return { id: d.id, name: d.name, createdAt: d.created_at, lastSeenAt: d.last_seen_at, revokedAt: d.revoked_at, current: d.id === session.deviceId, publicKey: logKeyOf(d), app };
}

/**
 * `app_mismatch` when `key` belongs to an app other than `appId`: a live device of another app
 * holds it (on an unlogged account nothing else would say which app a key is for), or the
 * account's verified log names it for another app (a device key vouched for one app does not
 * register from another). Nothing more to check on an unlogged account, a key the log does not
 * hold yet (sign-in checks that), or a head that does not verify (sign-in refuses the account then).
 */
async function checkKeyApp(tx: Store, pepper: Pepper, userId: string, key: string, appId: string): Promise<void> {
  const live = (await listDevices(tx, userId)).filter((d) => d.revoked_at === null && d.app_id !== appId);
  if (live.some((d) => logKeyOf(d) === key)) throw new KeyholdError('app_mismatch', 'This device key belongs to a device of another app.');
  const head = await readLogHead(tx, pepper, userId);
  if ('problem' in head || !Object.hasOwn(head.state.devices, key)) return;
  if (head.state.devices[key]!.app !== appId) throw new KeyholdError('app_mismatch', 'This device key is in the account log for another app.');
}

/** Devices: each holds an ECDSA P-256 key and signs a server challenge to open a sync session without a passkey prompt. */
export function deviceRoutes(deps: AppDeps) {
  const tags = ['devices'];
  const freshPasskey = requireFreshPasskey(deps);
  // A recovery session registers the recovered device's key: each device signs in with its own.
  const passkeyOrRecovery = requireSession(deps, ['passkey', 'recovery']);
  // Per app, not per module: a second app on the same process (tests) keeps its own.
  const deviceKeys = createDeviceKeyCache();

  return createRouter()
    .openapi(
      createRoute({
        method: 'post', path: '/', tags, summary: 'Register this device\'s public key (passkey or recovery session; a session naming no device is bound to it)', security: sessionCookie,
        middleware: [passkeyOrRecovery] as const,
        request: jsonBody(RegisterDeviceRequest),
        responses: { 200: jsonResponse(DeviceSummary, 'Registered'), ...errorResponses },
      }),
      async (c) => {
        const { name, publicKey } = c.req.valid('json');
        await importDeviceKey(publicKey);
        const { userId, idHash } = sessionOf(c);
        // The device key belongs to the app whose request registers it (the session is that app's too).
        const app = appOf(c);
        const now = deps.now();
        const id = encodeBase64Url(randomBytes(16));
        const logKey = deviceKeyToLogKey(publicKey);
        const bound = await inUserTransaction(deps.store, userId, async (tx) => {
          await checkKeyApp(tx, deps.pepper, userId, logKey, app.id);
          await insertDevice(tx, { id, user_id: userId, app_id: app.id, name, public_key_jwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x: publicKey.x, y: publicKey.y }), created_at: now, last_seen_at: null, revoked_at: null });
          await appendAuditEvent(tx, userId, 'device.registered', { deviceId: id, name, app: app.id }, now);
          // The session that set this device up (onboarding's passkey session, a recovery session) is
          // this device's from now on: removing the device must end it too, not leave it syncing.
          return bindSessionToDevice(tx, idHash, id);
        });
        return c.json({ id, name, createdAt: now, lastSeenAt: null, revokedAt: null, current: bound, publicKey: logKey, app: { id: app.id, name: app.name } }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/', tags, summary: 'List the account\'s devices', security: sessionCookie,
        middleware: [requireSession(deps)] as const,
        responses: { 200: jsonResponse(z.object({ devices: z.array(DeviceSummary) }), 'Devices'), ...errorResponses },
      }),
      async (c) => {
        const session = sessionOf(c);
        const rows = await listDevices(deps.store, session.userId);
        const apps = new Map<string, AppRefT>();
        for (const appId of new Set(rows.map((d) => d.app_id))) apps.set(appId, await deps.apps.describe(appId));
        return c.json({ devices: rows.map((d) => describeDevice(d, session, apps.get(d.app_id)!)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'patch', path: '/{id}', tags, summary: 'Rename a device (passkey or device session)', security: sessionCookie,
        middleware: [requireSession(deps)] as const,
        request: { params: z.object({ id: Id }), ...jsonBody(RenameRequest) },
        responses: { 200: jsonResponse(DeviceSummary, 'Renamed'), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { name } = c.req.valid('json');
        const session = sessionOf(c);
        const renamed = await inUserTransaction(deps.store, session.userId, async (tx) => {
          const row = await renameDevice(tx, session.userId, id, name);
          if (!row) throw new KeyholdError('not_found', 'No such device.');
          await appendAuditEvent(tx, session.userId, 'device.renamed', { deviceId: id, name }, deps.now());
          return row;
        });
        return c.json(describeDevice(renamed, session, await deps.apps.describe(renamed.app_id)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete', path: '/{id}', tags, summary: 'Revoke a device: it can no longer sign in, and its sessions end (passkey sign-in of the last 5 minutes)', security: sessionCookie,
        middleware: [freshPasskey] as const,
        request: { params: z.object({ id: Id }) },
        responses: { 200: jsonResponse(Ok, 'Revoked'), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { userId } = sessionOf(c);
        const now = deps.now();
        await inUserTransaction(deps.store, userId, async (tx) => {
          // Any app's device, from any app's session: its sessions end, so that app's sync stops (device_revoked at its next sign-in).
          const appId = await revokeDevice(tx, userId, id, now);
          if (appId === undefined) throw new KeyholdError('not_found', 'No such device.');
          await endDeviceSessions(tx, id);
          await appendAuditEvent(tx, userId, 'device.revoked', { deviceId: id, app: appId }, now);
        });
        return c.json({ ok: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/challenge', tags, summary: 'Get a single-use challenge for a device to sign',
        request: jsonBody(DeviceChallengeRequest),
        responses: { 200: jsonResponse(DeviceChallenge, 'Challenge'), ...errorResponses },
      }),
      async (c) => {
        const { deviceId } = c.req.valid('json');
        const now = deps.now();
        const who = { account: `device:${deviceId}`, address: clientAddress(c, deps) };
        return c.json(await issueDeviceChallenge(deps.store, deviceId, appOf(c).id, now, (tx) => countSignInAttempt(tx, deps, who, 'start', now)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/signin', tags, summary: 'Open a sync-scoped session of the request\'s app with the signature of a device of that app',
        request: jsonBody(DeviceSignInRequest),
        responses: { 200: jsonResponse(SignedIn, 'Signed in'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const now = deps.now();
        const address = clientAddress(c, deps);
        // The sign-in's counter, challenge and outcome commit together (domain/devices.ts).
        const countAttempt = (tx: Store) => countSignInAttempt(tx, deps, { account: `device:${body.deviceId}`, address }, 'start', now);
        const appId = appOf(c).id;
        const checkBinding = (tx: Store, device: DeviceRow) => bindingRefusal(tx, deps.pepper, device.user_id, { kind: 'device', key: logKeyOf(device), app: appId }, { now, address });
        const session = await verifyDeviceSignIn(deps.store, signedOrigin(c), body, { now, address, appId, keys: deviceKeys, countAttempt, bindingRefusal: checkBinding }, (tx, userId) =>
          openSession(c, deps, { userId, scope: 'device', deviceId: body.deviceId }, tx),
        );
        return c.json({ session }, 200);
      },
    );
}
