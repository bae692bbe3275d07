import { z } from 'zod';
import { APP_ID_PATTERN, APP_NAME_MAX_CHARS } from './constants';

/** The app the key server resolved a request's Origin to (GET /api/apps/current). */
export const CurrentApp = z.object({
  app: z.object({ id: z.string().regex(APP_ID_PATTERN), name: z.string().min(1).max(APP_NAME_MAX_CHARS) }),
});

/** WebAuthn Level 3 Related Origin Requests: the origins allowed to use this RP ID (/.well-known/webauthn). */
export const RelatedOrigins = z.object({ origins: z.array(z.string()) });

export type CurrentAppT = z.infer<typeof CurrentApp>;
export type RelatedOriginsT = z.infer<typeof RelatedOrigins>;
