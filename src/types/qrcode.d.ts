/**
 * The part of qrcode's browser build that the app uses. tsconfig.app.json maps `qrcode` here
 * because @types/qrcode also declares the Node API and references Node's types, which would let
 * `process` and `Buffer` compile in browser code.
 */
export interface QRCodeToDataURLOptions {
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' | 'low' | 'medium' | 'quartile' | 'high';
  /** Quiet zone, in modules. */
  margin?: number;
  /** Image width in pixels. */
  width?: number;
  color?: { dark?: string; light?: string };
}

/** Resolves to a `data:image/png;base64,…` URL of `text` drawn as a QR code. */
export declare function toDataURL(text: string, options?: QRCodeToDataURLOptions): Promise<string>;
