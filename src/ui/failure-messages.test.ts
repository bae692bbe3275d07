import { describe, expect, it } from 'vitest';
import { VaultError } from '../vault';
import { toUiFailure } from './failure-messages';

describe('failure wording', () => {
  it('keeps what the SDK says is wrong with a file to import, and no other exception message', () => {
    const columns = new VaultError('import_unreadable', 'The file’s columns are not those of an export Keyhold reads.');
    expect(toUiFailure(columns)).toEqual({ code: 'import_unreadable', fileProblem: 'The file’s columns are not those of an export Keyhold reads.' });
    expect(toUiFailure(new VaultError('server_error', 'internal detail'))).toEqual({ code: 'server_error' });
    expect(toUiFailure(new VaultError('import_too_large'))).toEqual({ code: 'import_too_large' });
    expect(toUiFailure(new Error('boom'))).toEqual({ code: 'unexpected' });
  });
});
