import type { ChatFieldsFragment, UserFieldsFragment } from '../gql/graphql';

export const fullName = (user: Pick<UserFieldsFragment, 'firstname' | 'lastname'>) => `${user.firstname} ${user.lastname}`.trim();

/** A group's name, or the other person's in a direct chat. */
export function chatTitle(chat: ChatFieldsFragment, viewerId: string): string {
  if (chat.isGroup) return chat.name ?? 'Group';
  const other = chat.participants.find((p) => p.user.id !== viewerId)?.user;
  return other ? fullName(other) : 'Just you';
}

/** The other person of a direct chat (their avatar stands for the chat). */
export const otherUser = (chat: ChatFieldsFragment, viewerId: string) =>
  chat.isGroup ? undefined : chat.participants.find((p) => p.user.id !== viewerId)?.user;

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const longDate = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
const DAY = 86_400_000;

export const clock = (iso: string) => time.format(new Date(iso));

/** The chat list's short time: today's clock, this week's day, or the date. */
export function shortWhen(iso: string): string {
  const d = new Date(iso);
  const days = (startOfDay(new Date()) - startOfDay(d)) / DAY;
  if (days < 1) return time.format(d);
  if (days < 7) return weekday.format(d);
  return date.format(d);
}

/** The separator between days in a history. */
export function dayLabel(iso: string): string {
  const days = Math.round((startOfDay(new Date()) - startOfDay(new Date(iso))) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return longDate.format(new Date(iso));
}

export const sameDay = (a: string, b: string) => startOfDay(new Date(a)) === startOfDay(new Date(b));

/** A key for a retried send: the server stores a message once per key and sender. */
export function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
