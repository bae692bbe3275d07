/**
 * How the key server is doing, as far as this device can tell. Offline is an ordinary state for
 * Keyhold (the vault opens without the server), so it is a value here, not an error.
 */
export type ServerHealth =
  | { readonly state: 'online'; readonly status: string; readonly version: string | undefined }
  | { readonly state: 'error'; readonly httpStatus: number }
  | { readonly state: 'offline' };

/** The part of the `/api/health` answer the app shows; anything else in it is ignored. */
function readHealthBody(body: unknown): { status: string; version: string | undefined } {
  const { status, version } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return {
    status: typeof status === 'string' ? status : 'ok',
    version: typeof version === 'string' ? version : undefined,
  };
}

/** The one call of KeyServer the health check makes (its `fetch`: the server's base, credentials, no HTTP cache). */
export interface HealthTarget {
  fetch(path: string, init?: Omit<RequestInit, 'credentials' | 'cache'>): Promise<Response>;
}

/** This page's own origin, for a check made without a KeyServer (Keyhold served by its key server). */
const sameOrigin: HealthTarget = {
  fetch: (path, init) => fetch(`/api${path}`, { ...init, credentials: 'include', cache: 'no-store' }),
};

/**
 * Asks `GET /api/health` of `server` (its base: another origin for an app not served by the key
 * server; by default this page's origin). Resolves `offline` when the request cannot be made at
 * all, `error` for an unusable answer; rejects only with the abort reason when `signal` aborts.
 */
export async function fetchServerHealth(signal?: AbortSignal, server: HealthTarget = sameOrigin): Promise<ServerHealth> {
  let response: Response;
  try {
    // no-store (KeyServer.fetch): a health answer from any HTTP cache would claim a server we cannot reach.
    response = await server.fetch('/health', { headers: { accept: 'application/json' }, signal });
  } catch {
    if (signal?.aborted) throw signal.reason;
    // fetch rejects (TypeError) only when no answer came back: no network, or no server.
    return { state: 'offline' };
  }
  if (!response.ok) return { state: 'error', httpStatus: response.status };
  try {
    return { state: 'online', ...readHealthBody(await response.json()) };
  } catch {
    if (signal?.aborted) throw signal.reason;
    return { state: 'error', httpStatus: response.status };
  }
}
