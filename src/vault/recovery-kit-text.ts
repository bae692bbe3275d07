/**
 * The SDK's third entry: reading a recovery kit's words or QR text (`readRecoveryKitText`) before
 * handing them to the vault. Kept out of index.ts for the reason pin-policy.ts is: its BIP39 word
 * list would otherwise be in every app's first load, though only the kit screens need it.
 */
export { readRecoveryKitText } from './recovery/recovery-code';
export { RECOVERY_KIT_WORD_COUNT } from '../../protocol/constants';
