import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MentionMatcher } from './mentions';
import {
  highlightMentions,
  parseRichText,
  plainText,
  richText,
  safeHref,
  type RichInline,
  type RichListItem,
  type RichNode,
} from './rich-text';

const text = (value: string): RichInline => ({ type: 'text', text: value });

describe('parseRichText', () => {
  it('keeps plain text exactly as typed, line breaks and spaces included', () => {
    for (const value of [
      'hello',
      '  two  spaces\n\n\nthree lines\tand a tab',
      'a\nb\n',
      'ünï 😀',
    ]) {
      expect(parseRichText(value)).toEqual([text(value)]);
    }
  });

  it('renders **bold**, *italic*, _italic_ and `code`, nested too', () => {
    expect(parseRichText('a **b** *c* _d_ `e` **f *g***')).toEqual([
      text('a '),
      { type: 'strong', children: [text('b')] },
      text(' '),
      { type: 'emphasis', children: [text('c')] },
      text(' '),
      { type: 'emphasis', children: [text('d')] },
      text(' '),
      { type: 'code', text: 'e' },
      text(' '),
      { type: 'strong', children: [text('f '), { type: 'emphasis', children: [text('g')] }] },
    ]);
  });

  it('keeps code literal: no formatting or links inside it', () => {
    expect(parseRichText('`**not bold** https://x.example <b>`')).toEqual([
      { type: 'code', text: '**not bold** https://x.example <b>' },
    ]);
  });

  it('renders fenced code blocks, which take their own lines', () => {
    expect(parseRichText('before\n```js\nconst a = 1;\n  **b** <i>\n```\nafter')).toEqual([
      text('before'),
      { type: 'code-block', text: 'const a = 1;\n  **b** <i>' },
      text('after'),
    ]);
    expect(parseRichText('```\nonly code\n```')).toEqual([
      { type: 'code-block', text: 'only code' },
    ]);
    // Blank lines around the block are kept; an unclosed fence runs to the end.
    expect(parseRichText('one\n\n~~~\ncode\n~~~\n\ntwo\n```\nopen')).toEqual([
      text('one\n'),
      { type: 'code-block', text: 'code' },
      text('\ntwo'),
      { type: 'code-block', text: 'open' },
    ]);
    expect(parseRichText('a\n```\n```\nb')).toEqual([text('a\n```\n```\nb')]);
  });

  it('shows everything outside the subset as typed', () => {
    const literal = [
      '---',
      '#hashtag is no heading',
      '-not a list',
      '#',
      '>',
      '~single tildes~ strike nothing',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '    not indented code',
      'setext\n===',
      '<b>not bold</b> <script>alert(1)</script>',
      '<img src=x onerror="alert(1)">',
      '![not an image](https://example.com/a.png)',
      '[not a reference][x]\n\n[x]: https://example.com',
      '&amp; &lt;b&gt; &#60;',
    ];
    for (const value of literal) expect(plainText(parseRichText(value))).toBe(value);
    expect(parseRichText('**&#60;**')).toEqual([{ type: 'strong', children: [text('&#60;')] }]);
    expect(parseRichText('![alt](https://example.com/a.png)')).toEqual([
      text('![alt](https://example.com/a.png)'),
    ]);
  });

  it('renders ~~strikethrough~~, with formatting inside', () => {
    expect(parseRichText('was ~~**wrong**~~ right')).toEqual([
      text('was '),
      { type: 'strike', children: [{ type: 'strong', children: [text('wrong')] }] },
      text(' right'),
    ]);
  });

  it('renders > quotes as blocks of their own, nested and with formatting', () => {
    expect(parseRichText('she said\n> ship *it*\n> today\nok')).toEqual([
      text('she said'),
      {
        type: 'quote',
        children: [
          text('ship '),
          { type: 'emphasis', children: [text('it')] },
          text('\ntoday\nok'),
        ],
      },
    ]);
    expect(parseRichText('> > inner\n\nafter')).toEqual([
      { type: 'quote', children: [{ type: 'quote', children: [text('inner')] }] },
      text('\nafter'),
    ]);
  });

  it('renders bulleted and numbered lists, their numbers and nesting kept', () => {
    const item = (...children: RichNode[]): RichListItem => ({ type: 'list-item', children });
    expect(parseRichText('todo:\n- milk\n- **eggs**\n\ndone')).toEqual([
      text('todo:'),
      {
        type: 'list',
        ordered: false,
        start: 1,
        children: [item(text('milk')), item({ type: 'strong', children: [text('eggs')] })],
      },
      text('\ndone'),
    ]);
    expect(parseRichText('3. three\n4. four')).toEqual([
      {
        type: 'list',
        ordered: true,
        start: 3,
        children: [item(text('three')), item(text('four'))],
      },
    ]);
    expect(parseRichText('* a\n  1) b')).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        children: [
          item(text('a'), {
            type: 'list',
            ordered: true,
            start: 1,
            children: [item(text('b'))],
          }),
        ],
      },
    ]);
    // A task box is not a control here: it shows as typed.
    expect(plainText(parseRichText('- [ ] call back'))).toBe('[ ] call back');
  });

  it('renders # headings with their level', () => {
    expect(parseRichText('# Plan\nstep one\n### *Later*')).toEqual([
      { type: 'heading', level: 1, children: [text('Plan')] },
      text('step one'),
      { type: 'heading', level: 3, children: [{ type: 'emphasis', children: [text('Later')] }] },
    ]);
  });

  it('lets a backslash keep markup characters literal', () => {
    expect(parseRichText('\\*not italic\\*')).toEqual([text('*not italic*')]);
  });

  it('makes http(s) addresses links: bare, www., <angle> and [text](url)', () => {
    expect(
      parseRichText('see https://example.com/a_b?c=1. or www.example.org, <http://x.example>'),
    ).toEqual([
      text('see '),
      {
        type: 'link',
        href: 'https://example.com/a_b?c=1',
        children: [text('https://example.com/a_b?c=1')],
      },
      text('. or '),
      { type: 'link', href: 'http://www.example.org/', children: [text('www.example.org')] },
      text(', '),
      { type: 'link', href: 'http://x.example/', children: [text('http://x.example')] },
    ]);
    expect(parseRichText('[the **docs**](https://example.com/docs "Docs")')).toEqual([
      {
        type: 'link',
        href: 'https://example.com/docs',
        children: [text('the '), { type: 'strong', children: [text('docs')] }],
      },
    ]);
  });

  it('never links other schemes: javascript:, data:, vbscript:, file:, mailto:, relative', () => {
    const refused = [
      '[click](javascript:alert(1))',
      '[click](JaVaScRiPt:alert(1))',
      '[click](<javascript:alert(1)>)',
      '[click](java\tscript:alert(1))',
      '[click](data:text/html,<script>alert(1)</script>)',
      '[click](vbscript:msgbox(1))',
      '[click](file:///etc/passwd)',
      '[mail](mailto:bob@example.com)',
      '[relative](/somewhere)',
      '[scheme-relative](//evil.example)',
      '<javascript:alert(1)>',
    ];
    for (const value of refused) {
      expect(parseRichText(value), value).toEqual([text(value)]);
    }
    // A bare email address stays text too: the desktop app opens only web links.
    expect(parseRichText('bob@example.com')).toEqual([text('bob@example.com')]);
  });

  it('refuses links whose text is another address than where they go', () => {
    for (const value of [
      '[https://bank.example](https://evil.example)',
      '[www.bank.example/login](https://evil.example/login)',
      '[bank.example](https://evil.example)',
      '[bob@bank.example](https://evil.example)',
    ]) {
      expect(parseRichText(value), value).toEqual([text(value)]);
    }
    // The same site under another spelling is fine.
    expect(parseRichText('[www.example.com](https://example.com/page)')).toEqual([
      {
        type: 'link',
        href: 'https://example.com/page',
        children: [text('www.example.com')],
      },
    ]);
  });

  it('keeps what makes a Markdown hard line break as typed', () => {
    // Found by the property below (seed -1604637347): the spaces before the break were lost.
    expect(parseRichText('a  \nb')).toEqual([text('a  \nb')]);
    expect(parseRichText('a\\\nb')).toEqual([text('a\\\nb')]);
  });

  it('never throws and never loses text, whatever the input', () => {
    // Without Markdown's special characters, the visible text is exactly the input.
    const plain = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', '\n', '\t', '@', '.', 'é', ':'),
    });
    fc.assert(fc.property(plain, (value) => plainText(parseRichText(value)) === value));
    // With them, it parses to something, and every link in it is http(s).
    const markup = fc.string({
      unit: fc.constantFrom('*', '_', '`', '[', ']', '(', ')', '<', '>', '!', 'a', ' ', '\n', 'h'),
      maxLength: 60,
    });
    fc.assert(
      fc.property(markup, (value) => {
        const walk = (nodes: readonly RichNode[]): boolean =>
          nodes.every((node) =>
            node.type === 'link'
              ? /^https?:/.test(node.href)
              : !('children' in node) || walk(node.children),
          );
        return walk(parseRichText(value));
      }),
    );
  });

  it('copes with the longest pathological messages', () => {
    for (const unit of ['*', '_', '`', '[', '](', '<', '**a', '[a](', '```\n']) {
      const value = unit.repeat(Math.floor(4000 / unit.length));
      expect(plainText(parseRichText(value)).length).toBeGreaterThan(0);
    }
  });
});

describe('safeHref', () => {
  it('accepts absolute http(s) URLs only, normalized', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com/');
    expect(safeHref(' HTTP://Example.com/a b ')).toBe('http://example.com/a%20b');
    for (const href of ['javascript:alert(1)', 'data:,x', 'mailto:a@b.c', '/x', 'http://', '']) {
      expect(safeHref(href), href).toBeNull();
    }
  });
});

describe('mentions', () => {
  const people = ['bob', 'Mary', 'Mary Jane', 'Zoë', 'dot.name'];

  it('marks @nickname of someone in the room, ignoring case, the viewer as self', () => {
    expect(richText('hi @Bob and @mary!', people, 'bob')).toEqual([
      text('hi '),
      { type: 'mention', text: '@Bob', self: true },
      text(' and '),
      { type: 'mention', text: '@mary', self: false },
      text('!'),
    ]);
  });

  it('prefers the longest nickname, and handles spaces, dots and accents', () => {
    expect(richText('@Mary Jane, @Mary, @zoë. @dot.name.', people, null)).toEqual([
      { type: 'mention', text: '@Mary Jane', self: false },
      text(', '),
      { type: 'mention', text: '@Mary', self: false },
      text(', '),
      { type: 'mention', text: '@zoë', self: false },
      text('. '),
      { type: 'mention', text: '@dot.name', self: false },
      text('.'),
    ]);
    // Composed differently (e + combining diaeresis), it is still Zoë.
    expect(richText('@Zoe\u0308', people, null)).toEqual([
      { type: 'mention', text: '@Zoë', self: false },
    ]);
  });

  it('ignores unknown names, parts of words and email-like text', () => {
    for (const value of ['@alice', '@bobby', 'mail@bob', 'x@bob.example', '@ bob']) {
      expect(plainText(richText(value, people, 'bob')), value).toBe(value);
      expect(richText(value, people, 'bob').some((node) => node.type === 'mention')).toBe(false);
    }
  });

  it('marks mentions inside bold and italic, not inside code or links', () => {
    expect(richText('**@bob** `@bob` [@bob](https://x.example)', people, 'bob')).toEqual([
      { type: 'strong', children: [{ type: 'mention', text: '@bob', self: true }] },
      text(' '),
      { type: 'code', text: '@bob' },
      text(' '),
      { type: 'link', href: 'https://x.example/', children: [text('@bob')] },
    ]);
  });

  it('marks mentions inside quotes, lists, headings and struck text', () => {
    const nodes = richText('> @bob\n\n- @bob\n\n# @bob\n\n~~@bob~~', ['bob'], 'bob');
    const mentions: RichNode[] = [];
    const walk = (list: readonly RichNode[]) => {
      for (const node of list) {
        if (node.type === 'mention') mentions.push(node);
        if ('children' in node) walk(node.children);
      }
    };
    walk(nodes);
    expect(mentions).toHaveLength(4);
  });

  it('includes the viewer even when the room list does not', () => {
    const nodes = highlightMentions(parseRichText('@carol'), new MentionMatcher([], 'Carol'));
    expect(nodes).toEqual([{ type: 'mention', text: '@carol', self: true }]);
  });
});
