import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { toBuffer } from 'qrcode';
import { describe, expect, it } from 'vitest';
import { parseJoinLink } from '../shared/join-link';
import { createInvites, QR_OPTIONS, qrSvg } from './invites';

/** Decodes a PNG with jsQR. */
function decodePng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

/**
 * Rasterizes the SVG that qrcode writes (one <path> of `M x y`, `m dx dy` and `h n` commands,
 * stroked one module high) into a PNG, `scale` pixels per module: the code the app shows is
 * decoded as it is, not re-rendered from the text.
 */
function svgToPng(svg: string, scale = 8): Buffer {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1];
  if (!size || !path) throw new Error('unexpected SVG from qrcode');
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, args] of path.matchAll(/([Mmh])([^Mmh]*)/g)) {
    const numbers = args!.trim().split(/\s+/).map(Number);
    if (command === 'M') [x, y] = [numbers[0]!, numbers[1]!];
    else if (command === 'm') [x, y] = [x + numbers[0]!, y + numbers[1]!];
    else {
      for (let i = 0; i < numbers[0]!; i++) dark.add(`${x + i},${Math.floor(y)}`);
      x += numbers[0]!;
    }
  }
  const png = new PNG({ width: size * scale, height: size * scale });
  for (let py = 0; py < png.height; py++) {
    for (let px = 0; px < png.width; px++) {
      const on = dark.has(`${Math.floor(px / scale)},${Math.floor(py / scale)}`);
      const offset = (py * png.width + px) * 4;
      png.data.fill(on ? 0 : 255, offset, offset + 3);
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

describe('QR codes', () => {
  it.each(['http://192.168.1.5:4321', 'http://[2001:db8::5]:4321', 'https://chat.example.org'])(
    'the SVG the host panel shows decodes back to %s',
    async (url) => {
      expect(decodePng(svgToPng(await qrSvg(url)))).toBe(url);
    },
  );

  it('a PNG rendering with the same options decodes back to the join link', async () => {
    const [invite] = await createInvites(['http://192.168.1.5:4321']);
    const png = await toBuffer(invite!.joinLink, { ...QR_OPTIONS, type: 'png', scale: 6 });
    const decoded = decodePng(png);
    expect(decoded).toBe('parley://join?url=http%3A%2F%2F192.168.1.5%3A4321');
    expect(parseJoinLink(decoded!)).toMatchObject({ ok: true, url: 'http://192.168.1.5:4321' });
  });
});

describe('createInvites', () => {
  it('gives each URL its join link and QR code, as markup and as a data: URL', async () => {
    const fp = 'AB'.repeat(32);
    const invites = await createInvites(['https://10.0.0.2:4321', 'https://localhost:4321'], fp);
    expect(invites.map((invite) => invite.url)).toEqual([
      'https://10.0.0.2:4321',
      'https://localhost:4321',
    ]);
    for (const invite of invites) {
      expect(parseJoinLink(invite.joinLink)).toMatchObject({ ok: true, url: invite.url });
      expect(invite.joinLink).toContain('&fp=');
      expect(invite.qrSvg).toMatch(/^<svg /);
      const encoded = invite.qrDataUrl.replace('data:image/svg+xml;base64,', '');
      expect(Buffer.from(encoded, 'base64').toString()).toBe(invite.qrSvg);
      expect(decodePng(svgToPng(invite.qrSvg))).toBe(invite.url);
    }
  });
});
