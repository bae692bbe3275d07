/**
 * Which paths of the app's origin name a file: those whose last segment has an extension
 * (`/robots.txt`, `/assets/index-1a2b.js`). The key server answers 404 for such a path it does not
 * hold, never the app shell (a missing script must not come back as HTML), and the service worker
 * leaves a navigation to one to the network. Every other path outside /api/ is the app.
 *
 * Written to match a pathname with or without its query string: Workbox's NavigationRoute tests
 * `pathname + search`, and a dot in the query says nothing about the path.
 */
export const FILE_PATH = /^[^?]*\/[^/?]*\.[^/?]*(?:\?.*)?$/;

/**
 * The built files that get `.br`/`.gz` copies (scripts/precompress.ts writes them, the key server
 * sends them): text; images (PNG) are compressed already.
 */
export const COMPRESSIBLE_FILE = /\.(?:js|mjs|css|html|svg|webmanifest|json|wasm|txt|xml|map)$/;
