import { writeFileSync } from 'node:fs';
import { create } from 'qrcode';

/** The fake camera's frame size: 4:3, as a phone's camera delivers. */
const WIDTH = 640;
const HEIGHT = 480;
/** Luma of paper and ink in video range (BT.601). */
const WHITE = 235;
const BLACK = 16;

/**
 * Writes a YUV4MPEG2 (C420) video for Chromium's fake camera (`--use-file-for-fake-video-capture`)
 * showing `text` as a QR code on white paper, centred, as a printed kit held in front of a phone
 * camera. `text` null writes a blank page (a placeholder the browser can open before the kit exists).
 */
export function writeQrVideo(path: string, text: string | null, frames = 3): void {
  const y = new Uint8Array(WIDTH * HEIGHT).fill(WHITE);
  if (text !== null) {
    const modules = create(text, { errorCorrectionLevel: 'M' }).modules;
    const cell = Math.floor((HEIGHT - 40) / (modules.size + 8)); // a quiet zone of 4 modules each side
    const side = cell * modules.size;
    const left = Math.floor((WIDTH - side) / 2);
    const top = Math.floor((HEIGHT - side) / 2);
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) {
        if (!modules.get(row, col)) continue;
        for (let dy = 0; dy < cell; dy++) y.fill(BLACK, (top + row * cell + dy) * WIDTH + left + col * cell, (top + row * cell + dy) * WIDTH + left + (col + 1) * cell);
      }
    }
  }
  const chroma = new Uint8Array((WIDTH / 2) * (HEIGHT / 2)).fill(128); // no colour
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420\n`, 'ascii');
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'ascii'), y, chroma, chroma]);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}

/** The PNG bytes of a `data:image/png;base64,…` URL (the QR code the app shows). */
export function pngOfDataUrl(url: string): Buffer {
  const match = /^data:image\/png;base64,(.+)$/.exec(url);
  if (!match) throw new Error('not a PNG data URL');
  return Buffer.from(match[1]!, 'base64');
}
