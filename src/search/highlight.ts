import { MARK_CLOSE, MARK_OPEN, SEPARATOR } from './search.statements.js';

/** Longest highlight, in UTF-16 code units (plus the ellipses and markup). */
export const HIGHLIGHT_LENGTH = 240;
/** How much text a highlight shows before the first match when it has to cut. */
const LEAD = 60;

/**
 * Turns a message whose full-text matches PostgreSQL marked (ts_headline) into what clients
 * show: HTML-escaped text with every match — full-text ones and the substrings of scripts
 * without spaces — in `<mark>…</mark>`, cut to a window around the first match when long.
 */
export function renderHighlight(marked: string, substrings: readonly string[]): string {
  const { text, hit } = unmark(marked.replaceAll(SEPARATOR, ''));
  for (const substring of substrings) {
    for (const m of text.matchAll(new RegExp(escapeRegExp(substring), 'giu'))) hit.fill(true, m.index, m.index + m[0].length);
  }
  const { start, end } = window(text, hit.indexOf(true));
  let html = start > 0 ? '…' : '';
  for (let i = start; i < end; ) {
    let j = i;
    while (j < end && hit[j] === hit[i]) j++;
    const run = escapeHtml(text.slice(i, j));
    html += hit[i] ? `<mark>${run}</mark>` : run;
    i = j;
  }
  return end < text.length ? `${html}…` : html;
}

/** The text without the marks, and which of its code units were marked. */
function unmark(marked: string): { text: string; hit: boolean[] } {
  let text = '';
  const hit: boolean[] = [];
  let inside = false;
  for (const ch of marked) {
    if (ch === MARK_OPEN || ch === MARK_CLOSE) {
      inside = ch === MARK_OPEN;
      continue;
    }
    text += ch;
    for (let k = 0; k < ch.length; k++) hit.push(inside);
  }
  return { text, hit };
}

/** The whole text when short; otherwise a window from a little before `first`, starting at a word when one starts near. */
function window(text: string, first: number): { start: number; end: number } {
  if (text.length <= HIGHLIGHT_LENGTH) return { start: 0, end: text.length };
  let start = Math.max(0, first - LEAD);
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < first && space - start < LEAD / 2) start = space + 1;
  }
  let end = Math.min(text.length, start + HIGHLIGHT_LENGTH);
  // Never split a surrogate pair.
  if (isLowSurrogate(text, start)) start++;
  if (isLowSurrogate(text, end)) end--;
  return { start, end };
}

const isLowSurrogate = (text: string, i: number) => i > 0 && i < text.length && /[\uDC00-\uDFFF]/.test(text[i]!);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML[c]!);
