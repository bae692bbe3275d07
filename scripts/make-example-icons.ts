/**
 * Draws the Field notes example's app icons (a map pin on a dark green page, so nobody takes it
 * for Keyhold) into examples/field-notes/public/icons/, plus its favicon.svg, the way
 * scripts/make-icons.ts draws Keyhold's. Run once after changing the artwork (`npm run icons`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { drawIcon } from './icon-raster';
import { encodePng } from './png';

const BACKGROUND = { r: 0x14, g: 0x53, b: 0x2d }; // green-900, the example's theme colour
const PIN = { r: 0xfe, g: 0xf3, b: 0xc7 }; // amber-100: paper

const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-512-maskable.png', size: 512, maskable: true },
] as const;

/** A map pin: a ring (a circle with a hole) over a point; smaller in maskable icons (safe zone). */
function insidePin(x: number, y: number, maskable: boolean): boolean {
  const scale = maskable ? 0.8 : 1;
  const u = 0.5 + (x - 0.5) / scale;
  const v = 0.5 + (y - 0.5) / scale;
  const r2 = (u - 0.5) ** 2 + (v - 0.4) ** 2;
  if (r2 <= 0.075 ** 2) return false;
  if (r2 <= 0.2 ** 2) return true;
  // The point: from the circle's widest chord below its centre down to (0.5, 0.82).
  if (v < 0.48 || v > 0.82) return false;
  return Math.abs(u - 0.5) <= 0.17 * ((0.82 - v) / (0.82 - 0.48));
}

const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="20" fill="#14532d"/>
  <path d="M50 20a20 20 0 0 1 17 30.5L50 82 33 50.5A20 20 0 0 1 50 20zm0 12.5a7.5 7.5 0 1 0 0 15 7.5 7.5 0 0 0 0-15z" fill="#fef3c7"/>
</svg>
`;

const publicDir = new URL('../examples/field-notes/public/', import.meta.url);
mkdirSync(new URL('icons/', publicDir), { recursive: true });
for (const icon of ICONS) writeFileSync(new URL(`icons/${icon.file}`, publicDir), encodePng(icon.size, drawIcon(icon.size, icon.maskable, insidePin, { background: BACKGROUND, fill: PIN })));
writeFileSync(new URL('favicon.svg', publicDir), FAVICON_SVG);
console.log(`wrote the Field notes icons (${ICONS.map((icon) => icon.file).join(', ')}) and favicon.svg`);
