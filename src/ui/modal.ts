/** A dialog element that settles `closed` once the person answered it. */
export interface ModalElement extends HTMLElement {
  readonly closed: Promise<boolean>;
}

/**
 * Shows `dialog` until it closes and returns its answer. It goes into the document's body, not the
 * asking element's shadow root: a modal dialog shows in the top layer either way, and a screen's
 * own rendering can then neither remove nor restyle it. The focus returns to `from` afterwards.
 */
export async function showModal(from: HTMLElement, dialog: ModalElement): Promise<boolean> {
  from.ownerDocument.body.append(dialog);
  try {
    return await dialog.closed;
  } finally {
    dialog.remove();
    if (from.isConnected) from.focus();
  }
}
