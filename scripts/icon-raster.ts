/**
 * What Keyhold's and the Field notes example's icon scripts share: the rounded square of a
 * non-maskable icon and the supersampled rasteriser that blends a shape over it.
 */

/** An sRGB colour, 0..255 per channel. */
export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** Samples per axis for each pixel: enough for smooth edges without an anti-aliasing library. */
const SAMPLES = 4;

/** The rounded square behind the shape, in unit coordinates (0..1); a maskable icon fills its square. */
export function insideBackground(x: number, y: number, maskable: boolean): boolean {
  if (maskable) return true;
  const radius = 0.2;
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/** Straight-alpha RGBA pixels, row by row: `shape` in `fill` over the background in `background`. */
export function drawIcon(size: number, maskable: boolean, shape: (x: number, y: number, maskable: boolean) => boolean, colours: { background: Rgb; fill: Rgb }): Uint8Array {
  const { background: under, fill } = colours;
  const pixels = new Uint8Array(size * size * 4);
  const total = SAMPLES * SAMPLES;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let background = 0;
      let covered = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size;
          const y = (py + (sy + 0.5) / SAMPLES) / size;
          if (!insideBackground(x, y, maskable)) continue;
          background++;
          if (shape(x, y, maskable)) covered++;
        }
      }
      const k = background === 0 ? 0 : covered / background;
      const offset = (py * size + px) * 4;
      pixels[offset] = Math.round(fill.r * k + under.r * (1 - k));
      pixels[offset + 1] = Math.round(fill.g * k + under.g * (1 - k));
      pixels[offset + 2] = Math.round(fill.b * k + under.b * (1 - k));
      pixels[offset + 3] = Math.round((255 * background) / total);
    }
  }
  return pixels;
}
