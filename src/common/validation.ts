import { z } from 'zod';
import { badInput } from './errors.js';

/**
 * Validates input with a zod schema; the first problem becomes a BAD_USER_INPUT whose
 * `field` names the offending input (a dotted path for nested fields).
 */
export function validate<S extends z.ZodType>(schema: S, input: unknown, field = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw badInput(issue.path.length ? issue.path.join('.') : field, issue.message);
}

/** Trimmed text with a length window, messages written for people. */
export const text = (label: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min, min === 1 ? `${label} must not be empty` : `${label} must be at least ${min} characters`)
    .max(max, `${label} must be at most ${max} characters`);

export const email = z
  .string()
  .trim()
  .max(255, 'email must be at most 255 characters')
  .pipe(z.email('email is not a valid email address'));

export const httpUrl = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters`)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
      } catch {
        return false;
      }
    }, `${label} must be an http(s) URL`);
