/**
 * Text PostgreSQL refuses (a NUL byte) or cannot keep as sent (an unpaired UTF-16 surrogate,
 * which UTF-8 encoding silently turns into U+FFFD).
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path of the first string in `value` (arguments, input objects, lists) that cannot be
 * stored, or undefined when every string can be. Paths read like those of `validate`: the
 * argument's name, or the field inside an input object (`content`, `attachment.name`).
 */
export function findUnstorableText(args: Record<string, unknown>): string | undefined {
  for (const [name, value] of Object.entries(args)) {
    const inner = search(value, []);
    if (inner) return isPlainObject(value) && inner.length ? inner.join('.') : name;
  }
  return undefined;
}

function search(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    // A bad element names its list.
    return value.some((v) => search(v, path) !== undefined) ? path : undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const found = search(v, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
