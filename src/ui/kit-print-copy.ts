import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { PendingRecoveryKit } from '../vault';
import './kh-kit-sheet';

/**
 * The recovery kit's printed page: while `show` is given a kit, a `kh-kit-sheet[print]` copy of
 * it sits straight under `<body>` (outside every shadow root), and styles.css prints only that
 * copy; `hide`, or the host leaving the page, removes it, so the words never outlive the screen
 * that shows them.
 */
export class KitPrintCopy implements ReactiveController {
  #copy: HTMLElementTagNameMap['kh-kit-sheet'] | undefined;

  constructor(host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.hide();
  }

  show(kit: PendingRecoveryKit, qr: string | undefined): void {
    const copy = (this.#copy ??= document.createElement('kh-kit-sheet'));
    copy.print = true;
    copy.kit = kit;
    copy.qr = qr;
    if (!copy.isConnected) document.body.append(copy);
  }

  hide(): void {
    this.#copy?.remove();
    this.#copy = undefined;
  }
}
