import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApprovalPolled, ApproveDeviceRequest, DeviceApprovalRequest, DeviceApprovalRequested, Id, Ok, PendingApprovals, PollApprovalRequest } from '../../protocol/api';
import { approveDevice, denyDevice, pendingDeviceApprovals, pollDeviceApproval, requestDeviceApproval } from '../domain/device-approvals';
import { readSecret } from '../store/secrets';
import { importDeviceKey } from '../domain/devices';
import { appOf } from '../http/apps';
import { createRouter, type AppDeps } from '../http/context';
import { clientAddress, limitSignIn, requireSession, sessionOf } from '../http/middleware';
import { errorResponses, jsonBody, jsonResponse, sessionCookie } from '../http/openapi';
import { openSession } from '../http/sessions';

const IdParam = z.object({ id: Id });

/**
 * Approving a new device from one already in the account (domain/device-approvals.ts): the new
 * device asks and polls without a session; the account's signed-in devices list, approve, deny.
 */
export function deviceApprovalRoutes(deps: AppDeps) {
  const tags = ['device approvals'];
  const signedIn = requireSession(deps, ['passkey', 'device']);
  // Listing shows nothing a just-recovered device's recovery session could not already read (it
  // reads the backup); answering still needs a device or passkey session.
  const anySession = requireSession(deps, ['passkey', 'device', 'recovery']);

  return createRouter()
    .openapi(
      createRoute({
        method: 'post', path: '/', tags, summary: 'A new device asks to join an account: its ephemeral public key; answers an id and a polling secret (same answer for an unknown username)',
        request: jsonBody(DeviceApprovalRequest),
        responses: { 200: jsonResponse(DeviceApprovalRequested, 'Asked'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        await limitSignIn(c, deps, `device-approval:${body.username}`);
        if (body.deviceKey) await importDeviceKey(body.deviceKey); // invalid_request unless a P-256 point
        return c.json(await requestDeviceApproval(deps.store, deps.pepper, body, { now: deps.now(), address: clientAddress(c, deps), appId: appOf(c).id }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get', path: '/pending', tags, summary: 'The account\'s unanswered, unexpired requests to join, each naming the app it asks for', security: sessionCookie,
        middleware: [anySession] as const,
        responses: { 200: jsonResponse(PendingApprovals, 'Waiting requests, oldest first'), ...errorResponses },
      }),
      async (c) => c.json({ requests: await pendingDeviceApprovals(deps.store, sessionOf(c).userId, deps.now(), (id) => deps.apps.describe(id)) }, 200),
    )
    .openapi(
      createRoute({
        method: 'post', path: '/{id}/approve', tags, summary: 'Approve a request: S sealed to the requester\'s key, relayed as ciphertext', security: sessionCookie,
        middleware: [signedIn] as const,
        request: { params: IdParam, ...jsonBody(ApproveDeviceRequest) },
        responses: { 200: jsonResponse(Ok, 'Approved'), ...errorResponses },
      }),
      async (c) => {
        const { userId, deviceId } = sessionOf(c);
        await approveDevice(deps.store, { userId, deviceId }, c.req.valid('param').id, c.req.valid('json').sealed, deps.now());
        return c.json({ ok: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/{id}/deny', tags, summary: 'Refuse a request to join', security: sessionCookie,
        middleware: [signedIn] as const,
        request: { params: IdParam },
        responses: { 200: jsonResponse(Ok, 'Refused'), ...errorResponses },
      }),
      async (c) => {
        await denyDevice(deps.store, sessionOf(c).userId, c.req.valid('param').id, deps.now());
        return c.json({ ok: true as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post', path: '/{id}/poll', tags, summary: 'The requester asks for its answer with its polling secret; an approval is handed out once, with a recovery session',
        request: { params: IdParam, ...jsonBody(PollApprovalRequest) },
        responses: { 200: jsonResponse(ApprovalPolled, 'Where the request stands'), ...errorResponses },
      }),
      async (c) => {
        const ctx = { now: deps.now(), address: clientAddress(c, deps), appId: appOf(c).id };
        const polled = await pollDeviceApproval(deps.store, { id: c.req.valid('param').id, secret: c.req.valid('json').secret }, ctx, async (tx, userId) => ({
          session: await openSession(c, deps, { userId, scope: 'recovery' }, tx),
          keyBundle: (await readSecret(tx, userId, 'key_bundle')) ?? null,
        }));
        if (polled.state !== 'approved') return c.json({ state: polled.state }, 200);
        return c.json({ state: polled.state, sealed: polled.sealed, ...polled.result }, 200);
      },
    );
}
