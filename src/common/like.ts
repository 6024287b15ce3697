/** `%`, `_` and `\` in a search term are literal characters, not LIKE wildcards. */
export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}
