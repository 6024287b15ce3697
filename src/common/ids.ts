import { badInput } from './errors.js';

const MAX_INT = 2_147_483_647;

/** Parses a public `ID` into a row id; anything else is a BAD_USER_INPUT on that field. */
export function parseId(value: string | number, field: string): number {
  const text = String(value);
  if (!/^[1-9][0-9]{0,18}$/.test(text)) throw badInput(field, `${field} is not a valid id`);
  const id = Number(text);
  if (!Number.isSafeInteger(id)) throw badInput(field, `${field} is not a valid id`);
  return id;
}

/** For 32-bit serial columns (users, chats, contacts). */
export function parseIntId(value: string | number, field: string): number {
  const id = parseId(value, field);
  if (id > MAX_INT) throw badInput(field, `${field} is not a valid id`);
  return id;
}

/** Parses a list of ids, rejecting duplicates quietly by de-duplicating. */
export function parseIntIds(values: readonly (string | number)[], field: string): number[] {
  return [...new Set(values.map((v) => parseIntId(v, field)))];
}
