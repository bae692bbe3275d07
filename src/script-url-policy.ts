/**
 * The name the server's CSP must list in `trusted-types`. Under
 * `require-trusted-types-for 'script'`, `new Worker(url)` and `navigator.serviceWorker.register(url)`
 * accept only a TrustedScriptURL, and this policy is the app's only way to make one.
 */
export const SCRIPT_URL_POLICY_NAME = 'keyhold';

/** Turns one of the app's own script URLs into what the script sinks accept. */
export type ScriptUrlPolicy = (url: string) => TrustedScriptURL | string;

/**
 * Creates the policy (call once, from main.ts: a policy name can be created only once per page).
 * It passes exactly the `allowed` URLs and throws for any other, so a string an attacker
 * injects can never become a worker or service-worker script. Browsers without Trusted Types
 * get the same check on plain strings.
 */
export function createScriptUrlPolicy(allowed: readonly string[]): ScriptUrlPolicy {
  const allowedHrefs = new Set(allowed.map((url) => new URL(url, document.baseURI).href));
  const toAllowedHref = (url: string): string => {
    const href = new URL(url, document.baseURI).href;
    if (!allowedHrefs.has(href)) throw new TypeError(`Not one of Keyhold's scripts: ${url}`);
    return href;
  };
  const policy = window.trustedTypes?.createPolicy(SCRIPT_URL_POLICY_NAME, { createScriptURL: toAllowedHref });
  return policy ? (url) => policy.createScriptURL(url) : toAllowedHref;
}
