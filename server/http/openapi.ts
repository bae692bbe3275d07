import type { z } from 'zod';
import { ErrorResponse } from '../../protocol/api';

/** Building blocks for route definitions, so each route states only what is particular to it. */

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

const errorEntry = (description: string) => ({ content: { 'application/json': { schema: ErrorResponse } }, description });

/** The error responses every API route may give. */
export const errorResponses = {
  400: errorEntry('Invalid request (stable code in error.code)'),
  401: errorEntry('Not signed in, sign-in failed, a passkey sign-in of the last 5 minutes is needed (reauth_required), or the account log does not hold the credential (credential_unbound) or cannot be verified (account_log_invalid)'),
  403: errorEntry('Wrong origin or session scope'),
  404: errorEntry('No such resource'),
  409: errorEntry('Conflict: taken, stale version, last passkey, account log moved on (log_stale) or full (log_full)'),
  410: errorEntry('Gone: a device approval request expired (approval_expired)'),
  413: errorEntry('Body too large'),
  423: errorEntry('Recovery route locked: PIN allowance spent, or TOTP failures in a row'),
  429: errorEntry('Rate limited'),
  503: errorEntry('Not started: the server is shedding load (overloaded) or its database is not answering (database_unavailable); Retry-After says when to try again'),
} as const;

export const sessionCookie = [{ sessionCookie: [] as string[] }];
