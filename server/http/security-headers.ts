import type { MiddlewareHandler } from 'hono';
import type { AppDeps, AppEnv } from './context';

/**
 * Strict CSP with no inline script or style, Trusted Types required, and the usual hardening
 * headers on every response (the app's and the API's alike).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types lit-html keyhold',
].join('; ');

export function securityHeaders(deps: AppDeps): MiddlewareHandler<AppEnv> {
  const https = deps.config.origin.startsWith('https:');
  // Set before the handler runs: headers prepared on the context ride on whatever response it
  // makes, and @hono/node-server keeps its fast path (no rewrite of a finished response).
  return async (c, next) => {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    // The camera for this origin's own pages only (no embedded frame): the recovery kit's QR code is scanned with it.
    c.header('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(), payment=(), usb=(), publickey-credentials-get=(self), publickey-credentials-create=(self)');
    if (https) c.header('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
    await next();
  };
}
