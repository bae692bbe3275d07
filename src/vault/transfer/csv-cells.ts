/**
 * Keeping a spreadsheet from running a plain export's cells (CSV injection, OWASP "CSV Injection"):
 * a cell that starts with = + - @ TAB or CR is a formula (or becomes one) in Excel, LibreOffice
 * and Google Sheets, so it is written with a leading apostrophe, which spreadsheets show as text.
 *
 * The apostrophe must come off again when Keyhold reads its own CSV back, without changing a value
 * that really starts with one. So the rule covers apostrophes too: a value that is any number of
 * apostrophes followed by a dangerous character gets one more apostrophe on the way out, and loses
 * one on the way in. Every value round-trips: "=1" ↔ "'=1", "'=1" ↔ "''=1", "'a" ↔ "'a".
 */

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;

/** The cell text to write for `value`: prefixed with an apostrophe when a spreadsheet would run it. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The value `neutraliseCell` was given, from a cell of Keyhold's own CSV. */
export function restoreCell(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell;
}
