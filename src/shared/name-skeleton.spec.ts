import { describe, expect, it } from 'vitest';
import { nameSkeleton } from './name-skeleton';
import { nicknameKey, nicknameSchema } from './schemas';
import { showsSomething } from './visible-text';

describe('nameSkeleton: names that look alike are the same name', () => {
  it.each([
    ['Cyrillic а (U+0430)', 'alice', '\u0430lice'],
    ['Cyrillic і (U+0456)', 'alice', 'al\u0456ce'],
    ['Cyrillic capitals В, Н, Т', 'BHT', '\u0412\u041D\u0422'],
    ['a Cyrillic capital first', 'Tom', '\u0422om'],
    ['Greek capitals Μ, Ν', 'MN', '\u039C\u039D'],
    ['fullwidth letters', 'alice', '\uFF41\uFF4C\uFF49\uFF43\uFF45'],
    ['mathematical letters', 'alice', '\u{1D5BA}lice'],
    ['U+3164 HANGUL FILLER', 'alice', 'ali\u3164ce'],
    ['U+115F and U+1160 Hangul fillers', 'alice', 'al\u115Fi\u1160ce'],
    ['U+FFA0 HALFWIDTH HANGUL FILLER', 'alice', 'alice\uFFA0'],
    ['U+034F COMBINING GRAPHEME JOINER', 'alice', 'ali\u034Fce'],
    ['U+2800 BRAILLE PATTERN BLANK', 'alice', 'alice\u2800'],
    ['a zero-width space', 'alice', 'al\u200Bice'],
    ['a variation selector', 'alice', 'alice\uFE0F'],
    ['a bidi control', 'alice', '\u202Aalice'],
    ['a soft hyphen', 'alice', 'ali\u00ADce'],
    ['another case', 'alice', 'ALICE'],
    ['another case of a Cyrillic name', '\u0442\u0430\u043D\u044F', '\u0422\u0410\u041D\u042F'],
    ['German ß', 'strasse', 'stra\u00DFe'],
    ['digit zero for o', 'bob', 'b0b'],
    ['digit one for l', 'alice', 'a1ice'],
    ['rn for m', 'emma', 'ernrna'],
    ['capital I for l', 'lvan', 'Ivan'],
    ['decomposed accents', 'Zo\u00EB', 'Zoe\u0308'],
    ['runs of spaces', 'Ada Lovelace', 'Ada \u3000 Lovelace'],
    ['a no-break space', 'Ada Lovelace', 'Ada\u00A0Lovelace'],
  ])('%s', (_, name, lookalike) => {
    expect(nameSkeleton(lookalike)).toBe(nameSkeleton(name));
  });

  it.each([
    ['anna', 'anne'],
    ['Zoë', 'Zoe'],
    ['José', 'Jose'],
    ['bob', 'rob'],
    ['alice', 'alicia'],
    ['ana', 'ann'],
    ['Ada Lovelace', 'AdaLovelace'],
    ['\u0442\u0430\u043D\u044F', '\u0432\u0430\u043D\u044F'],
    ['李', '季'],
  ])('keeps %j and %j apart', (first, second) => {
    expect(nameSkeleton(first)).not.toBe(nameSkeleton(second));
  });

  it('gives one skeleton to every case of a name', () => {
    for (const name of ['Ivan', 'Emma', 'Ölçü', 'Τάσος', 'Мария', 'Þórr']) {
      expect(nameSkeleton(name.toUpperCase())).toBe(nameSkeleton(name.toLowerCase()));
    }
  });

  it('gives names that show nothing an empty skeleton', () => {
    for (const blank of ['\u3164', '\u115F\u1160', '\uFFA0', '\u034F', '\u2800', ' \u3000 ']) {
      expect(nameSkeleton(blank)).toBe('');
    }
  });
});

describe('showsSomething', () => {
  it.each(['a', '7', '★', '李', '\u{1F600}', 'a\u3164'])('%j shows something', (name) => {
    expect(showsSomething(name)).toBe(true);
  });

  it.each([
    ['U+3164 HANGUL FILLER', '\u3164'],
    ['U+115F and U+1160', '\u115F\u1160'],
    ['U+FFA0', '\uFFA0\uFFA0'],
    ['U+034F COMBINING GRAPHEME JOINER', '\u034F'],
    ['U+2800 BRAILLE PATTERN BLANK', '\u2800\u2800'],
    ['combining marks only', '\u0301\u0308'],
    ['spaces and fillers', '\u3000\u3164 '],
  ])('%s shows nothing', (_, name) => {
    expect(showsSomething(name)).toBe(false);
  });

  it('the nickname schema refuses a name that shows nothing, with a clear message', () => {
    const result = nicknameSchema.safeParse('\u3164');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(
      'A nickname must show at least one letter, digit or symbol.',
    );
  });
});

describe('nicknameKey (how a device matches the names it shows)', () => {
  it('ignores case only', () => {
    expect(nicknameKey('ALICE')).toBe(nicknameKey('alice'));
    expect(nicknameKey('\u0430lice')).not.toBe(nicknameKey('alice'));
    expect(nicknameKey('emma')).toBe('emma');
  });
});
