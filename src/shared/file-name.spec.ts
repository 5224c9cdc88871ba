import { describe, expect, it } from 'vitest';
import { formatFileSize, isPreviewable, normalizeFileType, sanitizeFileName } from './file-name';

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

describe('sanitizeFileName', () => {
  it('keeps ordinary names as they are', () => {
    expect(sanitizeFileName('Report 2024 (final).pdf')).toBe('Report 2024 (final).pdf');
    expect(sanitizeFileName('Blåbær – ноты.txt')).toBe('Blåbær – ноты.txt');
  });

  it('keeps only the last path segment, whichever separator', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Windows\\system32\\evil.dll')).toBe('evil.dll');
    expect(sanitizeFileName('photos/')).toBe('photos');
  });

  it('removes control characters and bidi overrides that disguise the extension', () => {
    expect(sanitizeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFileName('a\u0000b\u0007c\u200B.txt')).toBe('abc.txt');
    expect(sanitizeFileName('line\nbreak.txt')).toBe('linebreak.txt');
  });

  it('removes leading dots and trailing dots and spaces', () => {
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('...hidden.txt')).toBe('hidden.txt');
    expect(sanitizeFileName('name.txt. . ')).toBe('name.txt');
  });

  it('defuses names Windows reserves for devices and characters it refuses', () => {
    expect(sanitizeFileName('CON')).toBe('_CON');
    expect(sanitizeFileName('nul.txt')).toBe('_nul.txt');
    expect(sanitizeFileName('com1')).toBe('_com1');
    expect(sanitizeFileName('console.txt')).toBe('console.txt');
    expect(sanitizeFileName('a<b>c:d"e|f?g*.txt')).toBe('a_b_c_d_e_f_g_.txt');
  });

  it('cuts long names to 255 bytes of UTF-8, keeping the extension and whole characters', () => {
    const long = `${'é'.repeat(300)}.jpeg`;
    const clean = sanitizeFileName(long);
    expect(utf8Length(clean)).toBeLessThanOrEqual(255);
    expect(clean.endsWith('é.jpeg')).toBe(true);
    const emoji = sanitizeFileName('😀'.repeat(100));
    expect(utf8Length(emoji)).toBeLessThanOrEqual(255);
    expect(emoji).toBe('😀'.repeat(63));
  });

  it('falls back to "file" when nothing is left', () => {
    expect(sanitizeFileName('')).toBe('file');
    expect(sanitizeFileName('...')).toBe('file');
    expect(sanitizeFileName('/')).toBe('file');
    expect(sanitizeFileName('\u202E\u0000')).toBe('file');
  });
});

describe('file types', () => {
  it('normalizes what browsers say to a bare lower-case MIME type', () => {
    expect(normalizeFileType('image/PNG')).toBe('image/png');
    expect(normalizeFileType('text/plain; charset=utf-8')).toBe('text/plain');
    expect(normalizeFileType('')).toBe('application/octet-stream');
    expect(normalizeFileType('<script>')).toBe('application/octet-stream');
  });

  it('previews only raster images, never SVG', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
      expect(isPreviewable(type)).toBe(true);
    }
    expect(isPreviewable('image/svg+xml')).toBe(false);
    expect(isPreviewable('text/html')).toBe(false);
  });

  it('says sizes in words people read', () => {
    expect(formatFileSize(1)).toBe('1 byte');
    expect(formatFileSize(900)).toBe('900 bytes');
    expect(formatFileSize(1536)).toBe('1.5 KB');
    expect(formatFileSize(25 * 1024 * 1024)).toBe('25 MB');
  });
});
