/**
 * Invites for a hosted room: for each join URL, the `parley://` join link (opens the desktop
 * app) and a QR code of the URL itself (phones open the web client there). The QR code is SVG
 * markup and an equivalent `data:` URL, small and sharp at any size.
 */
import { toString as renderQr } from 'qrcode';
import type { Invite } from '../shared/api';
import { buildJoinLink } from '../shared/join-link';

/** Options shared by the SVG the app shows and any PNG rendering of the same code. */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** A QR code of `text` as an SVG document (black on white, 2-module quiet zone). */
export function qrSvg(text: string): Promise<string> {
  return renderQr(text, { ...QR_OPTIONS, type: 'svg' });
}

/** The invite for each URL; `fingerprint` goes into the join links of a room with TLS. */
export async function createInvites(
  urls: readonly string[],
  fingerprint: string | null = null,
): Promise<Invite[]> {
  return Promise.all(
    urls.map(async (url) => {
      const svg = await qrSvg(url);
      return {
        url,
        joinLink: buildJoinLink(url, fingerprint),
        qrSvg: svg,
        qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      };
    }),
  );
}
