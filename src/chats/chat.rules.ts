import { z } from 'zod';
import { text } from '../common/validation.js';

export const MAX_GROUP_SIZE = 256;

export const groupName = text('name', 1, 100);

export const participantIdsRule = z
  .array(z.number())
  .max(MAX_GROUP_SIZE - 1, `A group holds at most ${MAX_GROUP_SIZE} participants`);

export const CHAT_PAGE = { kind: 'chat', defaultSize: 20, maxSize: 100 } as const;

/** One direct chat per pair: the database enforces it through this key. */
export const directKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** "Ana", "Ana and Ben", "Ana, Ben and Cy". */
export function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
