/**
 * Emoji by shortcode (":tada:" → 🎉) and the emoji the picker offers: one small built-in table
 * of the emoji people use most in chat, with GitHub's (gemoji) names, so that what people know
 * from other apps works here. A maintained data package (gemoji) could replace the table. Also:
 * searching the table by name (the picker's search field), and the shortcodes of pasted text.
 */
import { matchSorter, rankings } from 'match-sorter';

export interface EmojiEntry {
  emoji: string;
  /** Shortcode names, without colons; the first is the main one. */
  names: readonly string[];
  /** What a screen reader says for it in the picker. */
  label: string;
}

/** In the order the picker shows them: faces, gestures, hearts, things. */
export const EMOJI: readonly EmojiEntry[] = [
  { emoji: '😀', names: ['grinning'], label: 'grinning face' },
  { emoji: '😃', names: ['smiley'], label: 'smiling face with big eyes' },
  { emoji: '😄', names: ['smile'], label: 'smiling face with smiling eyes' },
  { emoji: '😁', names: ['grin'], label: 'beaming face' },
  { emoji: '😆', names: ['laughing', 'satisfied'], label: 'grinning squinting face' },
  { emoji: '😅', names: ['sweat_smile'], label: 'grinning face with sweat' },
  { emoji: '😂', names: ['joy'], label: 'face with tears of joy' },
  { emoji: '🤣', names: ['rofl'], label: 'rolling on the floor laughing' },
  { emoji: '🙂', names: ['slightly_smiling_face'], label: 'slightly smiling face' },
  { emoji: '🙃', names: ['upside_down_face'], label: 'upside-down face' },
  { emoji: '😉', names: ['wink'], label: 'winking face' },
  { emoji: '😊', names: ['blush'], label: 'smiling face' },
  { emoji: '😇', names: ['innocent'], label: 'smiling face with halo' },
  { emoji: '😍', names: ['heart_eyes'], label: 'smiling face with heart-eyes' },
  { emoji: '😘', names: ['kissing_heart'], label: 'face blowing a kiss' },
  { emoji: '😋', names: ['yum'], label: 'face savoring food' },
  { emoji: '😜', names: ['stuck_out_tongue_winking_eye'], label: 'winking face with tongue' },
  { emoji: '🤔', names: ['thinking'], label: 'thinking face' },
  { emoji: '🤨', names: ['raised_eyebrow'], label: 'face with raised eyebrow' },
  { emoji: '😐', names: ['neutral_face'], label: 'neutral face' },
  { emoji: '😶', names: ['no_mouth'], label: 'face without mouth' },
  { emoji: '🙄', names: ['roll_eyes'], label: 'face with rolling eyes' },
  { emoji: '😏', names: ['smirk'], label: 'smirking face' },
  { emoji: '😬', names: ['grimacing'], label: 'grimacing face' },
  { emoji: '😌', names: ['relieved'], label: 'relieved face' },
  { emoji: '😴', names: ['sleeping'], label: 'sleeping face' },
  { emoji: '😎', names: ['sunglasses'], label: 'smiling face with sunglasses' },
  { emoji: '🤓', names: ['nerd_face'], label: 'nerd face' },
  { emoji: '😕', names: ['confused'], label: 'confused face' },
  { emoji: '😮', names: ['open_mouth'], label: 'face with open mouth' },
  { emoji: '😲', names: ['astonished'], label: 'astonished face' },
  { emoji: '😳', names: ['flushed'], label: 'flushed face' },
  { emoji: '🥺', names: ['pleading_face'], label: 'pleading face' },
  { emoji: '😢', names: ['cry'], label: 'crying face' },
  { emoji: '😭', names: ['sob'], label: 'loudly crying face' },
  { emoji: '😱', names: ['scream'], label: 'face screaming in fear' },
  { emoji: '😤', names: ['triumph'], label: 'face with steam from nose' },
  { emoji: '😡', names: ['rage', 'pout'], label: 'enraged face' },
  { emoji: '🤯', names: ['exploding_head'], label: 'exploding head' },
  { emoji: '🥳', names: ['partying_face'], label: 'partying face' },
  { emoji: '🤗', names: ['hugs'], label: 'smiling face with open hands' },
  { emoji: '🤫', names: ['shushing_face'], label: 'shushing face' },
  { emoji: '🤷', names: ['shrug'], label: 'person shrugging' },
  { emoji: '🤦', names: ['facepalm'], label: 'person facepalming' },
  { emoji: '👍', names: ['+1', 'thumbsup'], label: 'thumbs up' },
  { emoji: '👎', names: ['-1', 'thumbsdown'], label: 'thumbs down' },
  { emoji: '👌', names: ['ok_hand'], label: 'OK hand' },
  { emoji: '✌️', names: ['v'], label: 'victory hand' },
  { emoji: '🤞', names: ['crossed_fingers'], label: 'crossed fingers' },
  { emoji: '👋', names: ['wave'], label: 'waving hand' },
  { emoji: '👏', names: ['clap'], label: 'clapping hands' },
  { emoji: '🙌', names: ['raised_hands'], label: 'raising hands' },
  { emoji: '🙏', names: ['pray'], label: 'folded hands' },
  { emoji: '💪', names: ['muscle'], label: 'flexed biceps' },
  { emoji: '👀', names: ['eyes'], label: 'eyes' },
  { emoji: '👉', names: ['point_right'], label: 'backhand index pointing right' },
  { emoji: '❤️', names: ['heart'], label: 'red heart' },
  { emoji: '🧡', names: ['orange_heart'], label: 'orange heart' },
  { emoji: '💛', names: ['yellow_heart'], label: 'yellow heart' },
  { emoji: '💚', names: ['green_heart'], label: 'green heart' },
  { emoji: '💙', names: ['blue_heart'], label: 'blue heart' },
  { emoji: '💜', names: ['purple_heart'], label: 'purple heart' },
  { emoji: '💔', names: ['broken_heart'], label: 'broken heart' },
  { emoji: '💯', names: ['100'], label: 'hundred points' },
  { emoji: '🔥', names: ['fire'], label: 'fire' },
  { emoji: '✨', names: ['sparkles'], label: 'sparkles' },
  { emoji: '⭐', names: ['star'], label: 'star' },
  { emoji: '🎉', names: ['tada'], label: 'party popper' },
  { emoji: '🎊', names: ['confetti_ball'], label: 'confetti ball' },
  { emoji: '🎂', names: ['birthday'], label: 'birthday cake' },
  { emoji: '🎁', names: ['gift'], label: 'wrapped gift' },
  { emoji: '🚀', names: ['rocket'], label: 'rocket' },
  { emoji: '✅', names: ['white_check_mark'], label: 'check mark button' },
  { emoji: '❌', names: ['x'], label: 'cross mark' },
  { emoji: '⚠️', names: ['warning'], label: 'warning' },
  { emoji: '❓', names: ['question'], label: 'question mark' },
  { emoji: '❗', names: ['exclamation', 'heavy_exclamation_mark'], label: 'exclamation mark' },
  { emoji: '💡', names: ['bulb'], label: 'light bulb' },
  { emoji: '📌', names: ['pushpin'], label: 'pushpin' },
  { emoji: '📎', names: ['paperclip'], label: 'paperclip' },
  { emoji: '📅', names: ['date'], label: 'calendar' },
  { emoji: '⏰', names: ['alarm_clock'], label: 'alarm clock' },
  { emoji: '☕', names: ['coffee'], label: 'hot beverage' },
  { emoji: '🍕', names: ['pizza'], label: 'pizza' },
  { emoji: '🍺', names: ['beer'], label: 'beer mug' },
  { emoji: '🐛', names: ['bug'], label: 'bug' },
  { emoji: '🐶', names: ['dog'], label: 'dog face' },
  { emoji: '🐱', names: ['cat'], label: 'cat face' },
  { emoji: '🌈', names: ['rainbow'], label: 'rainbow' },
  { emoji: '☀️', names: ['sunny'], label: 'sun' },
  { emoji: '🌙', names: ['crescent_moon'], label: 'crescent moon' },
  { emoji: '💬', names: ['speech_balloon'], label: 'speech balloon' },
  { emoji: '🔒', names: ['lock'], label: 'locked' },
  { emoji: '🎮', names: ['video_game'], label: 'video game' },
  { emoji: '🏆', names: ['trophy'], label: 'trophy' },
];

const BY_NAME: ReadonlyMap<string, string> = new Map(
  EMOJI.flatMap((entry) => entry.names.map((name) => [name, entry.emoji] as const)),
);

/** The emoji for a shortcode name ("tada", no colons); undefined for an unknown one. */
export function emojiFor(name: string): string | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * The emoji whose shortcode names or spoken label contain `query` ("tada", ":party", "thumbs
 * up"), best matches first; every emoji, in the table's order, for an empty query.
 */
export function searchEmoji(query: string): readonly EmojiEntry[] {
  // People type shortcodes with their colons, and names with spaces where gemoji has "_".
  const words = query.trim().replace(/^:+|:+$/g, '');
  if (words === '') return EMOJI;
  return matchSorter(EMOJI, words, {
    keys: ['names', 'label', (entry) => entry.names.map((name) => name.replaceAll('_', ' '))],
    // Letters merely in order ("tda" for "tada") would offer too many faces to be useful.
    threshold: rankings.CONTAINS,
  });
}

// A shortcode is a whole word: ":tada:" in "10:tada:20" is a time, not an emoji.
const SHORTCODE_END = /(?<![\p{L}\p{N}:]):([a-z0-9_+-]+):$/iu;

/**
 * The text with a shortcode just typed (ending right before `caret`) replaced by its emoji, and
 * where the caret goes; null when the text before the caret does not end in a known shortcode.
 */
export function replaceShortcodeAt(
  text: string,
  caret: number,
): { text: string; caret: number } | null {
  const before = text.slice(0, caret);
  const match = SHORTCODE_END.exec(before);
  const emoji = match ? emojiFor(match[1]!) : undefined;
  if (!match || emoji === undefined) return null;
  const start = before.length - match[0].length;
  // Inside `code` or a fenced block it stays as typed.
  if (endsInCode(text.slice(0, start))) return null;
  if (inLink(text.slice(0, start))) return null;
  return { text: text.slice(0, start) + emoji + text.slice(caret), caret: start + emoji.length };
}

const SHORTCODE = /:([a-z0-9_+-]+):/giu;
const WORD_CHARACTER = /[\p{L}\p{N}:]/u;

/**
 * `text` with the known shortcodes that lie between `start` and `end` (a pasted piece) replaced
 * by their emoji, as if each had been typed there, and where that piece ends now. What typing
 * leaves alone stays here too: unknown names, times ("10:tada:20"), `code` and fenced code
 * blocks (judged by the text before it, the draft's included: see endsInCode), and links
 * ("https://x/:tada:").
 */
export function replaceShortcodesIn(
  text: string,
  start: number,
  end: number,
): { text: string; end: number } {
  let result = text.slice(0, start);
  let from = start;
  SHORTCODE.lastIndex = start;
  for (let match = SHORTCODE.exec(text); match; match = SHORTCODE.exec(text)) {
    const matchEnd = match.index + match[0].length;
    if (matchEnd > end) break;
    const emoji = emojiFor(match[1]!);
    result += text.slice(from, match.index);
    // Judged by what precedes it now: ":tada::fire:" is two emoji, as when typed one by one.
    const before = result.at(-1) ?? '';
    if (
      emoji === undefined ||
      WORD_CHARACTER.test(before) ||
      endsInCode(result) ||
      inLink(result)
    ) {
      // Unknown or not a word: its closing colon may open the next one (":nope:tada:").
      result += match[0].slice(0, -1);
      from = matchEnd - 1;
      SHORTCODE.lastIndex = from;
      continue;
    }
    result += emoji;
    from = matchEnd;
  }
  const converted = result + text.slice(from, end);
  return { text: converted + text.slice(end), end: converted.length };
}

/** A line that opens or closes a fenced code block: up to three spaces, then ``` or ~~~ or longer. */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const BACKTICKS = /`+/g;

/**
 * Whether the end of `before` is inside code, as the Markdown that renders the message reads it
 * (rich-text.ts): a fenced block not closed yet (a closing fence is the same character, at least
 * as long: ```` is closed by ```` and not by ```), or a code span not closed yet (a run of n
 * backticks is closed by a run of exactly n, within its paragraph). While typing, a span or block
 * just opened counts as code: it will be closed.
 */
export function endsInCode(before: string): boolean {
  let fence: { char: string; length: number } | null = null;
  let spanOpener = 0;
  for (const line of before.split('\n')) {
    const marker = FENCE.exec(line);
    if (fence) {
      const closes =
        marker?.[1]![0] === fence.char &&
        marker[1]!.length >= fence.length &&
        marker[2]!.trim() === '';
      if (closes) fence = null;
      continue;
    }
    // A backtick fence's info string has no backticks (else the line is a code span).
    if (marker && !(marker[1]![0] === '`' && marker[2]!.includes('`'))) {
      fence = { char: marker[1]![0]!, length: marker[1]!.length };
      spanOpener = 0;
      continue;
    }
    // A code span ends with its paragraph.
    if (line.trim() === '') {
      spanOpener = 0;
      continue;
    }
    for (const [run] of line.matchAll(BACKTICKS)) {
      if (spanOpener === 0) spanOpener = run.length;
      else if (run.length === spanOpener) spanOpener = 0;
    }
  }
  return fence !== null || spanOpener > 0;
}

/** Whether the word that `before` ends in is a link (a shortcode there is part of its path). */
function inLink(before: string): boolean {
  let wordStart = before.length;
  while (wordStart > 0 && !/\s/u.test(before[wordStart - 1]!)) wordStart--;
  return before.includes('://', wordStart);
}
