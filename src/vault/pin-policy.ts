/**
 * The SDK's second entry: the PIN policy that choosing a new PIN applies (`checkPin`, the same
 * rules the vault enforces). Kept out of index.ts so its blocklists load only with the screens
 * that set a PIN: re-exported from the index, a bundler would put them in every app's first load.
 */
export { checkPin, type PinRefusal, type PinVerdict } from './crypto/pin/pin-policy';
