/**
 * The "Link a device" dialog: asks the server for a one-time code (`device:link-code`) and shows
 * it, with a join link that carries it (the web client's address with `?link=`) and a QR code of
 * that link, for a phone. The code works once, for a few minutes, for this person only.
 */
import type { ParleyApi } from '../../../shared/api';
import type { LinkCode } from '../../../shared/protocol';
import { groupCode, linkJoinUrl } from './link-code-url';

/**
 * The link as a QR code (an SVG data URL). The encoder is loaded when a code is first shown, so
 * the first screen does without it; if it cannot be loaded (the server went away), the dialog
 * shows the code and the link without the picture.
 */
async function qrDataUrl(url: string): Promise<string | null> {
  try {
    const { toString: renderQr } = await import('qrcode');
    const svg = await renderQr(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  } catch {
    return null;
  }
}

export class LinkDeviceDialog {
  readonly #chat: Pick<ParleyApi['chat'], 'linkCode'>;
  readonly #serverUrl: () => string | null;
  #open = $state(false);
  #busy = $state(false);
  #code = $state.raw<LinkCode | null>(null);
  #joinUrl = $state<string | null>(null);
  #qrDataUrl = $state<string | null>(null);
  #error = $state<string | null>(null);

  constructor(chat: Pick<ParleyApi['chat'], 'linkCode'>, serverUrl: () => string | null) {
    this.#chat = chat;
    this.#serverUrl = serverUrl;
  }

  get open(): boolean {
    return this.#open;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /** The code, grouped for reading; null until the server gave one. */
  get code(): string | null {
    return this.#code ? groupCode(this.#code.code) : null;
  }

  /** When the code stops working (server time, ms). */
  get expiresAt(): number | null {
    return this.#code?.expiresAt ?? null;
  }

  get joinUrl(): string | null {
    return this.#joinUrl;
  }

  get qrDataUrl(): string | null {
    return this.#qrDataUrl;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Opens the dialog with a new code (a code shown before stops working). */
  async show(): Promise<void> {
    this.#open = true;
    await this.newCode();
  }

  async newCode(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    this.#error = null;
    try {
      const result = await this.#chat.linkCode();
      if (!result.ok) {
        this.#code = null;
        this.#joinUrl = null;
        this.#qrDataUrl = null;
        this.#error = result.error.message;
        return;
      }
      this.#code = { code: result.code, expiresAt: result.expiresAt };
      const server = this.#serverUrl();
      this.#joinUrl = server === null ? null : linkJoinUrl(server, result.code);
      this.#qrDataUrl = this.#joinUrl === null ? null : await qrDataUrl(this.#joinUrl);
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    this.#open = false;
    this.#code = null;
    this.#joinUrl = null;
    this.#qrDataUrl = null;
    this.#error = null;
  }
}
