/**
 * Draws Keyhold's app icons (a keyhole on the app's dark background) and writes them as PNGs
 * into public/icons/, plus public/favicon.svg. Run once after changing the artwork:
 *
 *   npx tsx scripts/make-icons.ts
 *
 * Only node:zlib is used (scripts/png.ts), so the icons need no image toolchain and are reproducible byte for byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { drawIcon } from './icon-raster';
import { encodePng } from './png';

const BACKGROUND = { r: 0x0f, g: 0x17, b: 0x2a }; // slate-900, the manifest's theme and background colour
const KEYHOLE = { r: 0xfb, g: 0xbf, b: 0x24 }; // amber-400, the app's accent colour

interface IconSpec {
  readonly file: string;
  readonly size: number;
  /** Maskable icons are cropped by the launcher, so their background must reach every edge. */
  readonly maskable: boolean;
}

const ICONS: readonly IconSpec[] = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-512-maskable.png', size: 512, maskable: true },
];

/**
 * The keyhole: a circle over a flared stem. Maskable icons shrink it about the centre so it sits
 * well inside the safe zone (the centred circle of radius 0.4 that every launcher mask keeps).
 */
function insideKeyhole(x: number, y: number, maskable: boolean): boolean {
  const scale = maskable ? 0.8 : 1;
  const u = 0.5 + (x - 0.5) / scale;
  const v = 0.5 + (y - 0.5) / scale;
  const inCircle = (u - 0.5) ** 2 + (v - 0.4) ** 2 <= 0.14 ** 2;
  const stemTop = 0.44;
  const stemBottom = 0.76;
  if (v < stemTop || v > stemBottom) return inCircle;
  const halfWidth = 0.055 + ((v - stemTop) / (stemBottom - stemTop)) * (0.11 - 0.055);
  return inCircle || Math.abs(u - 0.5) <= halfWidth;
}

/** The same keyhole as a vector, for browser tabs. */
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="20" fill="#0f172a"/>
  <circle cx="50" cy="40" r="14" fill="#fbbf24"/>
  <path d="M44.5 44h11L61 76H39z" fill="#fbbf24"/>
</svg>
`;

const iconsDir = new URL('../public/icons/', import.meta.url);
mkdirSync(iconsDir, { recursive: true });
for (const icon of ICONS) {
  writeFileSync(new URL(icon.file, iconsDir), encodePng(icon.size, drawIcon(icon.size, icon.maskable, insideKeyhole, { background: BACKGROUND, fill: KEYHOLE })));
}
writeFileSync(new URL('../public/favicon.svg', import.meta.url), FAVICON_SVG);
console.log(`wrote ${ICONS.map((icon) => icon.file).join(', ')} and favicon.svg`);
