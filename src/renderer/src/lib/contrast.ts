/**
 * WCAG 2 contrast arithmetic (relative luminance and contrast ratio, WCAG 2.2 §1.4.3), for the
 * colours the UI makes up at run time (avatars). A few lines of the standard's formula: not worth
 * a colour library in the web client's bundle.
 */

/** Red, green and blue from 0 to 255. */
export type Rgb = readonly [number, number, number];

/** The least contrast WCAG AA asks of normal text. */
export const AA_TEXT_CONTRAST = 4.5;

/** `hsl(h s% l%)` as RGB (the CSS Color 4 conversion), rounded to whole channel values. */
export function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const s = saturation / 100;
  const l = lightness / 100;
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** WCAG relative luminance, 0 (black) to 1 (white). */
export function luminance([r, g, b]: Rgb): number {
  const linear = (value: number) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The contrast ratio of two colours, 1 to 21, whichever is lighter. */
export function contrastRatio(first: Rgb, second: Rgb): number {
  const [light, dark] = [luminance(first), luminance(second)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

export function rgbCss([r, g, b]: Rgb): string {
  return `rgb(${r} ${g} ${b})`;
}
