/**
 * Chat text as a small tree of rich-text nodes: plain text, **strong**, *emphasis*, ~~struck~~,
 * `code`, fenced code blocks, > quotes, bulleted and numbered lists, # headings, links and
 * @mentions. Components render the tree with Svelte elements, so untrusted text never becomes
 * HTML. marked's lexer does the Markdown parsing; everything outside that subset (tables, images,
 * rules, raw HTML, links to anything but http(s)) stays as the literal text that was typed.
 */
import { Lexer, Tokenizer, type MarkedToken, type Token } from 'marked';
import { MentionMatcher } from './mentions';

export type RichInline =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: RichInline[] }
  | { type: 'emphasis'; children: RichInline[] }
  | { type: 'strike'; children: RichInline[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: RichInline[] }
  | { type: 'mention'; text: string; self: boolean };

/** One entry of a list: its own blocks (a tight list's entry is just inline text). */
export interface RichListItem {
  type: 'list-item';
  children: RichNode[];
}

export type RichBlock =
  | { type: 'code-block'; text: string }
  | { type: 'quote'; children: RichNode[] }
  /** `start`: the number of a numbered list's first entry. */
  | { type: 'list'; ordered: boolean; start: number; children: RichListItem[] }
  /** `level`: 1 for "#", up to 6. */
  | { type: 'heading'; level: number; children: RichInline[] };

export type RichNode = RichInline | RichBlock | RichListItem;

/**
 * Turns off the block and inline rules outside the chat subset: what they would have taken is
 * then read as paragraph text, so "---", "<b>" or a table show as typed (and links in them still
 * work). Inline HTML and reference links go the same way.
 */
class ChatTokenizer extends Tokenizer {
  // Indented code: in chat, indentation is just indentation. Fenced blocks (`fences`) stay on.
  override code(): undefined {}
  override hr(): undefined {}
  override html(): undefined {}
  override def(): undefined {}
  override table(): undefined {}
  override lheading(): undefined {}
  override tag(): undefined {}
  override reflink(): undefined {}
}

/** The only schemes that become links; the desktop app opens exactly these in the browser. */
const LINK_PROTOCOLS = new Set(['http:', 'https:']);

/** The normalized href when `href` is an absolute http(s) URL, else null. */
export function safeHref(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  return LINK_PROTOCOLS.has(url.protocol) && url.hostname !== '' ? url.href : null;
}

/** Parses chat text into rich-text nodes (mentions not marked yet: see `highlightMentions`). */
export function parseRichText(text: string): RichNode[] {
  // NFC (as nicknames are) so mentions match however the text was composed; it looks the same.
  const tokens = Lexer.lex(text.normalize('NFC'), { gfm: true, tokenizer: new ChatTokenizer() });
  return blockNodes(tokens);
}

/** Block tokens inside a quote or a list entry: their last line break is the container's. */
function innerBlockNodes(tokens: readonly Token[] | undefined): RichNode[] {
  const nodes = blockNodes(tokens ?? []);
  while (dropTrailingNewline(nodes));
  return nodes;
}

function blockNodes(tokens: readonly Token[]): RichNode[] {
  const nodes: RichNode[] = [];
  // A block (code, quote, list, heading) sits on lines of its own: the line break just before it
  // and the one just after it are the block's (marked puts the latter in either token).
  let afterBlock = false;
  const pushBlockText = (value: string) => {
    pushText(nodes, afterBlock && value.startsWith('\n') ? value.slice(1) : value);
    afterBlock = false;
  };
  const pushBlock = (block: RichBlock, raw: string) => {
    dropTrailingNewline(nodes);
    nodes.push(block);
    afterBlock = !raw.endsWith('\n');
  };
  for (const token of tokens as MarkedToken[]) {
    switch (token.type) {
      case 'paragraph':
        afterBlock = false;
        for (const node of inlineNodes(token.tokens)) pushInline(nodes, node);
        // The paragraph's own line break, when more follows.
        if (token.raw.startsWith(token.text)) pushText(nodes, token.raw.slice(token.text.length));
        break;
      case 'text':
        // A tight list entry's text.
        afterBlock = false;
        if (token.tokens) for (const node of inlineNodes(token.tokens)) pushInline(nodes, node);
        else pushText(nodes, token.raw);
        break;
      case 'code':
        // An empty block would show as an empty box: "```" alone stays as typed.
        if (token.text === '') pushBlockText(token.raw);
        else pushBlock({ type: 'code-block', text: token.text }, token.raw);
        break;
      case 'blockquote': {
        const children = innerBlockNodes(token.tokens);
        // ">" alone is no quote: it stays as typed, as an empty heading or list entry does.
        if (children.length === 0) pushBlockText(token.raw);
        else pushBlock({ type: 'quote', children }, token.raw);
        break;
      }
      case 'heading': {
        const children = inlineNodes(token.tokens);
        if (children.length === 0) pushBlockText(token.raw);
        else pushBlock({ type: 'heading', level: token.depth, children }, token.raw);
        break;
      }
      case 'list': {
        const items = token.items.map((item): RichListItem => ({
          type: 'list-item',
          children: innerBlockNodes(item.tokens),
        }));
        if (items.some((item) => item.children.length === 0)) pushBlockText(token.raw);
        else {
          const start = token.ordered && typeof token.start === 'number' ? token.start : 1;
          pushBlock({ type: 'list', ordered: token.ordered, start, children: items }, token.raw);
        }
        break;
      }
      default:
        // Blank lines, a task list's "[ ]" and anything a newer marked may add: as typed.
        pushBlockText(token.raw);
    }
  }
  return nodes;
}

function pushInline(nodes: RichNode[], node: RichInline): void {
  if (node.type === 'text') pushText(nodes, node.text);
  else nodes.push(node);
}

function inlineNodes(tokens: readonly Token[] | undefined): RichInline[] {
  const nodes: RichInline[] = [];
  for (const token of (tokens ?? []) as MarkedToken[]) {
    switch (token.type) {
      case 'text':
        // raw, not text: marked decodes some character references ("&#60;"), chat shows them.
        pushText(nodes, token.raw);
        break;
      case 'escape':
        pushText(nodes, token.text);
        break;
      case 'br':
        // A Markdown hard break ("  \n", "\\\n"): chat text keeps its line breaks anyway, and
        // the spaces or backslash before it are shown as typed.
        pushText(nodes, token.raw);
        break;
      case 'strong':
        nodes.push({ type: 'strong', children: inlineNodes(token.tokens) });
        break;
      case 'em':
        nodes.push({ type: 'emphasis', children: inlineNodes(token.tokens) });
        break;
      case 'del':
        // Two tildes only: "~a~" is how some people write "about".
        if (token.raw.startsWith('~~')) {
          nodes.push({ type: 'strike', children: inlineNodes(token.tokens) });
        } else {
          pushText(nodes, token.raw[0]!);
          for (const node of inlineNodes(token.tokens)) pushInline(nodes as RichNode[], node);
          pushText(nodes, token.raw.at(-1)!);
        }
        break;
      case 'codespan':
        nodes.push({ type: 'code', text: token.text });
        break;
      case 'link': {
        const href = safeHref(token.href);
        const children = inlineNodes(token.tokens);
        if (href && !isMisleading(plainText(children), href)) {
          nodes.push({ type: 'link', href, children });
        } else {
          pushText(nodes, token.raw);
        }
        break;
      }
      default:
        // Images, raw HTML and anything a newer marked may add: shown as typed.
        pushText(nodes, token.raw);
    }
  }
  return nodes;
}

/** Appends text, merging it into a text node just before it. */
function pushText(nodes: RichNode[], text: string): void {
  if (text === '') return;
  const last = nodes.at(-1);
  if (last?.type === 'text') last.text += text;
  else nodes.push({ type: 'text', text });
}

/** Drops one line break at the end of `nodes`; says whether there was one. */
function dropTrailingNewline(nodes: RichNode[]): boolean {
  const last = nodes.at(-1);
  if (last?.type !== 'text' || !last.text.endsWith('\n')) return false;
  last.text = last.text.slice(0, -1);
  if (last.text === '') nodes.pop();
  return true;
}

/** The text a person sees in these nodes. */
export function plainText(nodes: readonly RichNode[]): string {
  return nodes.map((node) => ('children' in node ? plainText(node.children) : node.text)).join('');
}

// Text that reads as a web address or an email address: "https://…", "www.…", "bank.com/…".
const ADDRESS_LIKE =
  /^(?:[a-z][a-z\d+.-]*:\/*)?(?:[^\s/?#@]+@)?((?:[\p{L}\p{N}-]+\.)+\p{L}{2,})\.?(?:[/?#:]\S*)?$/iu;

/**
 * A link whose text is an address other than where it goes ("[bank.com](https://evil.example)")
 * is a trap: it is shown as typed instead, so the real destination is visible.
 */
function isMisleading(text: string, href: string): boolean {
  const shown = ADDRESS_LIKE.exec(text.trim())?.[1];
  if (shown === undefined) return false;
  const bare = (host: string) => host.toLowerCase().replace(/^www\./, '');
  let shownHost: string;
  try {
    shownHost = new URL(`http://${shown}`).hostname;
  } catch {
    return true;
  }
  return bare(shownHost) !== bare(new URL(href).hostname);
}

/** Marks the @mentions in the text nodes (not inside code or link text). */
export function highlightMentions(nodes: readonly RichNode[], matcher: MentionMatcher): RichNode[] {
  return nodes.flatMap((node): RichNode[] => {
    switch (node.type) {
      case 'text':
        return matcher
          .split(node.text)
          .map((segment) =>
            segment.kind === 'text'
              ? { type: 'text', text: segment.text }
              : { type: 'mention', text: segment.text, self: segment.self },
          );
      case 'strong':
      case 'emphasis':
      case 'strike':
      case 'heading':
        return [{ ...node, children: highlightMentions(node.children, matcher) as RichInline[] }];
      case 'quote':
      case 'list-item':
        return [{ ...node, children: highlightMentions(node.children, matcher) }];
      case 'list':
        return [{ ...node, children: highlightMentions(node.children, matcher) as RichListItem[] }];
      default:
        return [node];
    }
  });
}

/** Parses chat text and marks mentions of `nicknames`, those of `viewer` as `self`. */
export function richText(
  text: string,
  nicknames: Iterable<string>,
  viewer: string | null,
): RichNode[] {
  return highlightMentions(parseRichText(text), new MentionMatcher(nicknames, viewer));
}
