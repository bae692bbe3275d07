/**
 * The PRF output is key material (KEK_prf, which opens wrap_prf(S), is derived from it) and must
 * never leave the browser. WebAuthn returns it inside `clientExtensionResults.prf.results`; this
 * returns a copy of the response without it, keeping only `prf.enabled`, ready to send to the key
 * server.
 */
export function withoutPrfOutput<T extends { clientExtensionResults: object }>(response: T): T {
  const { prf, ...rest } = response.clientExtensionResults as { prf?: { enabled?: boolean; results?: unknown } };
  const kept = prf?.enabled === undefined ? rest : { ...rest, prf: { enabled: prf.enabled } };
  return { ...response, clientExtensionResults: kept };
}
