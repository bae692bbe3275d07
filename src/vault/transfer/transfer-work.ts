/** The work behind `vault.transfer`, as one chunk: one dynamic import keeps the first load's preload table short. */
export { confirmImport, previewImport } from './transfer-import';
export { exportBackup, exportPlain } from './transfer-export';
