import { badInput } from '../common/errors.js';
import { text, validate } from '../common/validation.js';

export const SEARCH_QUERY_MAX_LENGTH = 256;
export const SEARCH_MAX_TERMS = 16;

const queryRule = text('query', 1, SEARCH_QUERY_MAX_LENGTH);

/** One thing a message must contain: a word (matched as a prefix) or a quoted phrase. */
export interface SearchTerm {
  text: string;
  phrase: boolean;
}

export interface ParsedQuery {
  /** The query as understood (whitespace collapsed): what cursors are bound to. */
  normalized: string;
  terms: SearchTerm[];
}

/**
 * `caf meet` finds messages with a word starting with "caf" and one starting with "meet";
 * `"good morning"` finds those words next to each other, in that order. Punctuation at the
 * ends of a term is not part of it.
 */
export function parseSearchQuery(input: string): ParsedQuery {
  const normalized = validate(queryRule, input, 'query').replace(/\s+/gu, ' ');
  const terms: SearchTerm[] = [];
  // A quote left open runs to the end of the query.
  for (const [, quoted, word] of normalized.matchAll(/"([^"]*)"?|([^\s"]+)/gu)) {
    const phrase = quoted !== undefined;
    const term = trimPunctuation(phrase ? quoted : word!);
    if (term) terms.push({ text: term, phrase });
  }
  if (terms.length === 0) throw badInput('query', 'query has no words to search for');
  if (terms.length > SEARCH_MAX_TERMS) throw badInput('query', `query may have at most ${SEARCH_MAX_TERMS} words and phrases`);
  return { normalized, terms };
}

/** Combining marks count as letters: Thai vowels and tone marks end words. */
function trimPunctuation(term: string): string {
  return term.replace(/^[^\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+$/gu, '').trim();
}
