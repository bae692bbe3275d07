import { LitElement, html } from 'lit';
import type { NoteContent, NoteLocation, Vault } from 'keyhold-sdk';
import { failureMessage } from './messages';
import { currentLocation, describeLocation } from './note-location';
import { sharedStyles } from './shared-styles';

/**
 * Writes or edits one note: title, text, and the device's position when the person asks for it.
 * Saving needs no network: the vault encrypts the note on the device and syncs it when it can.
 *
 * @fires close - the note was saved or removed, or the person went back
 */
export class FnEditor extends LitElement {
  static override styles = sharedStyles;
  static override properties = {
    vault: { attribute: false },
    noteId: { attribute: false },
    _title: { state: true },
    _body: { state: true },
    _location: { state: true },
    _locating: { state: true },
    _busy: { state: true },
    _error: { state: true },
  };

  declare vault: Vault | undefined;
  /** The note being edited; null for a new one. */
  declare noteId: string | null;
  declare private _title: string;
  declare private _body: string;
  declare private _location: NoteLocation | undefined;
  declare private _locating: boolean;
  declare private _busy: boolean;
  declare private _error: string;
  #loadedId: string | null = null;

  constructor() {
    super();
    this.vault = undefined;
    this.noteId = null;
    this._title = '';
    this._body = '';
    this._location = undefined;
    this._locating = false;
    this._busy = false;
    this._error = '';
  }

  protected override willUpdate(): void {
    if (this.noteId !== this.#loadedId && this.vault && this.noteId) {
      this.#loadedId = this.noteId;
      void this.#load(this.vault, this.noteId);
    }
  }

  async #load(vault: Vault, id: string): Promise<void> {
    try {
      const record = await vault.records.read(id);
      this._title = record.title;
      this._body = record.kind === 'note' ? record.body : '';
      this._location = record.kind === 'note' ? record.location : undefined;
    } catch (error) {
      this._error = failureMessage(error);
    }
  }

  override render() {
    return html`<main>
      <h1>${this.noteId ? 'Edit note' : 'New note'}</h1>
      <form @submit=${this._onSave}>
        <label>Title <input required maxlength="200" .value=${this._title} @input=${(e: InputEvent) => (this._title = (e.target as HTMLInputElement).value)} /></label>
        <label>Note <textarea .value=${this._body} @input=${(e: InputEvent) => (this._body = (e.target as HTMLTextAreaElement).value)}></textarea></label>
        <fieldset>
          <legend>Location</legend>
          ${this._location
            ? html`<p>${describeLocation(this._location)}</p>
                <button type="button" class="secondary" @click=${() => (this._location = undefined)}>Remove location</button>`
            : html`<p class="hint">No location yet.</p>
                <button type="button" class="secondary" ?disabled=${this._locating} @click=${this._onLocate}>${this._locating ? 'Finding you…' : 'Add my location'}</button>`}
        </fieldset>
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
        <div class="row">
          <button type="submit" ?disabled=${this._busy}>Save note</button>
          <button type="button" class="secondary" @click=${this.#close}>Back to notes</button>
          ${this.noteId ? html`<button type="button" class="secondary" ?disabled=${this._busy} @click=${this._onRemove}>Delete note</button>` : ''}
        </div>
      </form>
    </main>`;
  }

  private async _onLocate(): Promise<void> {
    this._locating = true;
    this._error = '';
    try {
      this._location = await currentLocation();
    } catch {
      this._error = 'Your location is not available: allow it for Field notes, or save the note without one.';
    } finally {
      this._locating = false;
    }
  }

  private async _onSave(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const vault = this.vault;
    if (!vault || this._busy) return;
    const note: NoteContent = { kind: 'note', title: this._title.trim(), body: this._body, ...(this._location ? { location: this._location } : {}) };
    await this.#change(() => vault.records.save(this.noteId, note));
  }

  private async _onRemove(): Promise<void> {
    const { vault, noteId } = this;
    if (vault && noteId) await this.#change(() => vault.records.remove(noteId));
  }

  async #change(change: () => Promise<unknown>): Promise<void> {
    this._busy = true;
    this._error = '';
    try {
      await change();
      this.#close();
    } catch (error) {
      this._error = failureMessage(error);
    } finally {
      this._busy = false;
    }
  }

  readonly #close = (): void => {
    this.dispatchEvent(new Event('close'));
  };
}

customElements.define('fn-editor', FnEditor);

declare global {
  interface HTMLElementTagNameMap {
    'fn-editor': FnEditor;
  }
}
