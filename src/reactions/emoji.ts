import emojiRegex from 'emoji-regex';
import { badInput } from '../common/errors.js';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Longer than any emoji sequence (a kiss with two skin tones is 15 UTF-16 units). */
const MAX_LENGTH = 64;
const VARIATION_SELECTOR_16 = '\uFE0F';

/**
 * A reaction is exactly one emoji: one grapheme, which the Unicode emoji pattern matches whole.
 * Emoji that default to text style (❤ U+2764) are stored with VS16 (❤️), the form keyboards
 * send, so both spellings are one reaction.
 */
export function parseEmoji(value: string, field = 'emoji'): string {
  const text = value.normalize('NFC');
  if (text.length === 0 || text.length > MAX_LENGTH) throw badInput(field, `${field} must be one emoji`);
  const [first, second] = graphemes.segment(text);
  const match = emojiRegex().exec(text);
  if (!first || second || !match || match[0] !== text) throw badInput(field, `${field} must be one emoji`);
  return [...text].length === 1 && !/\p{Emoji_Presentation}/u.test(text) ? text + VARIATION_SELECTOR_16 : text;
}
