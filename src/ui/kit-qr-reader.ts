/**
 * Reads the QR code of a recovery kit from the camera or from a picture (jsQR on canvas pixels).
 * A chunk of its own, imported only when someone asks to scan: the decoder is ~40 KB that no
 * other screen needs. Only a text starting with `keyhold-kit:` counts; any other QR code in view
 * is ignored, and the text never leaves this device.
 */
import jsQR from 'jsqr';

/** The prefix of the kit's QR text (contract: `keyhold-kit:1:<username>:<words>`). */
const KIT_PREFIX = 'keyhold-kit:';
/** Camera frames are scaled down to this width before decoding: enough for a printed kit, fast on a phone. */
const FRAME_MAX_WIDTH = 640;
/** Pictures (phone photos are 4000 px wide) likewise. */
const PICTURE_MAX_WIDTH = 1280;

/** Why the camera could not be used: `denied` (the person or the browser refused), `none` (no camera). */
export type CameraProblem = 'denied' | 'none';

export class CameraUnavailable extends Error {
  readonly problem: CameraProblem;
  constructor(problem: CameraProblem, options?: { cause?: unknown }) {
    super(`camera ${problem}`, options);
    this.name = 'CameraUnavailable';
    this.problem = problem;
  }
}

/** The first `keyhold-kit:` text in the pixels, or null. */
function decodeKit(pixels: ImageData, inversion: 'dontInvert' | 'attemptBoth'): string | null {
  const code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: inversion });
  return code?.data.startsWith(KIT_PREFIX) ? code.data : null;
}

/** Draws `source` scaled to at most `maxWidth` and returns its pixels. */
function pixelsOf(source: CanvasImageSource, width: number, height: number, maxWidth: number, canvas: HTMLCanvasElement): ImageData | null {
  const scale = Math.min(1, maxWidth / width);
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/** Resolves at the video's next frame (or the next paint where `requestVideoFrameCallback` is missing). */
function nextFrame(video: HTMLVideoElement): Promise<void> {
  return new Promise((resolve) => {
    if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
    else requestAnimationFrame(() => resolve());
  });
}

/**
 * Opens the back camera into `video` and decodes frame after frame until a kit's QR code is in
 * view; resolves its text. The camera's tracks are stopped the moment a code is read, on abort,
 * and on any failure. Rejects with `CameraUnavailable` when there is no camera or permission
 * was refused, and with the signal's reason when aborted.
 */
export async function scanKitWithCamera(video: HTMLVideoElement, signal: AbortSignal): Promise<string> {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraUnavailable('none');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (error) {
    const name = error instanceof DOMException ? error.name : '';
    throw new CameraUnavailable(name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'none', { cause: error });
  }
  const stop = () => stream.getTracks().forEach((track) => track.stop());
  signal.addEventListener('abort', stop, { once: true });
  try {
    signal.throwIfAborted();
    video.srcObject = stream;
    video.muted = true;
    video.playsInline = true;
    await video.play();
    const canvas = document.createElement('canvas');
    for (;;) {
      signal.throwIfAborted();
      await nextFrame(video);
      signal.throwIfAborted();
      if (video.videoWidth === 0) continue;
      const pixels = pixelsOf(video, video.videoWidth, video.videoHeight, FRAME_MAX_WIDTH, canvas);
      const text = pixels && decodeKit(pixels, 'dontInvert');
      if (text) return text;
    }
  } finally {
    stop();
    signal.removeEventListener('abort', stop);
    video.srcObject = null;
  }
}

/** The kit's QR text in a picture (a photo or a screenshot of the printed kit), or null when it holds none. */
export async function readKitFromPicture(file: Blob): Promise<string | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // not an image the browser can read
  }
  try {
    const pixels = pixelsOf(bitmap, bitmap.width, bitmap.height, PICTURE_MAX_WIDTH, document.createElement('canvas'));
    return pixels && decodeKit(pixels, 'attemptBoth');
  } finally {
    bitmap.close();
  }
}
