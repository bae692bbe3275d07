/**
 * The sections of Settings, in the order the list shows them: each is a screen of its own, named
 * and summed up so a person can scan the list on a phone and know where a setting lives.
 */
export type SettingsSection = 'security' | 'recovery' | 'devices' | 'data' | 'about';

export interface SettingsSectionInfo {
  readonly id: SettingsSection;
  readonly title: string;
  readonly summary: string;
}

export const SETTINGS_SECTIONS: readonly SettingsSectionInfo[] = [
  { id: 'security', title: 'Security', summary: 'PIN, auto-lock, items shown without PIN' },
  { id: 'recovery', title: 'Recovery', summary: 'Ways to get your vault back on a new device' },
  { id: 'devices', title: 'Devices & passkeys', summary: 'Remove a lost phone, add a backup passkey, lock everywhere' },
  { id: 'data', title: 'Data', summary: 'Import, export, activity, delete account' },
  { id: 'about', title: 'About', summary: 'Key server status, app version' },
];

/**
 * Asks the settings screen to show a section (bubbles, composed): a screen that points elsewhere
 * (lock everywhere's report, to set a recovery route up again) fires it.
 */
export const OPEN_SETTINGS_SECTION = 'kh-open-settings-section';

export interface OpenSettingsSection {
  readonly section: SettingsSection;
}

export function openSettingsSection(from: HTMLElement, detail: OpenSettingsSection): void {
  from.dispatchEvent(new CustomEvent<OpenSettingsSection>(OPEN_SETTINGS_SECTION, { detail, bubbles: true, composed: true }));
}

/**
 * Asks the vault screen for "Confirm who can open your account" (bubbles, composed): Devices &
 * passkeys offers it while an account made before the signed log has not confirmed its list.
 */
export const OPEN_LOG_MIGRATION = 'kh-open-log-migration';

export function openLogMigration(from: HTMLElement): void {
  from.dispatchEvent(new Event(OPEN_LOG_MIGRATION, { bubbles: true, composed: true }));
}
