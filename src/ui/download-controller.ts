import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { ExportFile } from '../vault';

/**
 * A file the person asked for, handed to the browser's download through an object URL and an
 * `<a download>`, whose "save again" link stays on screen (an export card, the server's data).
 * The URL is revoked when the next file replaces it and when the host leaves the page.
 */
export class DownloadController<Tag extends string = string> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #current: { readonly url: string; readonly name: string; readonly tag: Tag } | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Starts the download of `file`; `tag` says which of the host's buttons asked for it. */
  save(file: ExportFile, tag: Tag): void {
    this.#revoke();
    const url = URL.createObjectURL(file.blob);
    this.#current = { url, name: file.name, tag };
    const link = document.createElement('a');
    link.href = url;
    link.download = file.name;
    link.click();
    this.#host.requestUpdate();
  }

  /** "Your file is downloading" with a link to save it again, when the last file was `tag`'s. */
  renderSaved(tag: Tag): unknown {
    const current = this.#current;
    if (current?.tag !== tag) return nothing;
    return html`<p class="ok">Your file is downloading. <a href=${current.url} download=${current.name}>Save ${current.name} again</a></p>`;
  }

  hostDisconnected(): void {
    this.#revoke();
  }

  #revoke(): void {
    if (this.#current) URL.revokeObjectURL(this.#current.url);
    this.#current = undefined;
  }
}
