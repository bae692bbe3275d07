import type { AccountLogWarning } from '../vault';

/** What the person does about any warning: check the account's ways in, and tell the operator. */
const TELL = 'tell whoever runs your Keyhold server';

/** The server's history broke what this phone verified before: it kept its own. */
const HISTORY_KEPT = `Keyhold kept the history this phone had already checked. Check your devices and passkeys, and ${TELL}.`;

/**
 * The words for one warning of `vault.accountLog.status` (docs/sdk.md "The account log"): what
 * happened, what Keyhold did about it, what the person should do. Plain words: "history" is the
 * account's signed log, "key fingerprint" what the devices screen shows beside each entry.
 */
export function describeLogWarning(warning: AccountLogWarning): string {
  switch (warning.kind) {
    case 'rollback':
      return `The key server showed this phone an older history of your account than it saw before, as if recent changes to your devices and passkeys were undone. ${HISTORY_KEPT}`;
    case 'fork':
      return `The key server showed this phone an account history that does not match what it saw before. ${HISTORY_KEPT}`;
    case 'invalid':
      return `The key server showed this phone an account history with a change your vault did not sign. ${HISTORY_KEPT}`;
    case 'identity-mismatch':
      return `The key server showed this phone an account history signed by a key your vault does not hold. ${HISTORY_KEPT}`;
    case 'unlisted-device':
      return `The key server lists a device your account never added: ${named(warning)}. It cannot sign in. ${UNLESS_LEFT_OUT}`;
    case 'unlisted-passkey':
      return `The key server lists a passkey your account never added: ${named(warning)}. It cannot sign in. ${UNLESS_LEFT_OUT}`;
  }
}

/** Said of an unlisted device or passkey: an account that just confirmed its list may have left it out on purpose. */
const UNLESS_LEFT_OUT = `Unless you left it out when you confirmed who can open your account, someone with access to the server put it there: remove it, and ${TELL}.`;

/** "Old phone (1a2b 3c4d 5e6f 7081)"; "unnamed" when the server sent no name. */
function named({ name, fingerprint }: AccountLogWarning): string {
  const label = name?.trim() || 'unnamed';
  return fingerprint ? `${label} (${fingerprint})` : label;
}

/** Warnings about the history itself (not about one listed device or passkey). */
export function isHistoryWarning(warning: AccountLogWarning): boolean {
  return warning.kind !== 'unlisted-device' && warning.kind !== 'unlisted-passkey';
}

/** The devices and passkeys screens' words above their "Not added by you" group of `count` entries. */
export function describeUnlistedGroup(what: 'device' | 'passkey', count: number): string {
  const [these, them, they] = count === 1 ? [`this ${what}`, 'it', 'It'] : [`these ${what}s`, 'them', 'They'];
  return `The key server lists ${these}, but your account’s history never added ${them}. ${they} cannot sign in. Unless you left ${them} out when you confirmed who can open your account, someone with access to the server put ${them} there: remove ${them}, and ${TELL}.`;
}
