import { makeVar } from '@apollo/client';
import type { TypingSubscription } from '../gql/graphql';

type Typist = TypingSubscription['typing']['user'];

/** Who is typing where: chatId → userId → user. Ephemeral, so kept beside the cache, not in it. */
export const typingVar = makeVar<ReadonlyMap<string, ReadonlyMap<string, Typist>>>(new Map());

/** The server ends a typing state that is not refreshed; this is the app's own safety net. */
const EXPIRE_MS = 8_000;
const timers = new Map<string, ReturnType<typeof setTimeout>>();

export function applyTyping(event: TypingSubscription['typing']) {
  const key = `${event.chatId}:${event.user.id}`;
  clearTimeout(timers.get(key));
  set(event.chatId, event.user, event.isTyping);
  if (event.isTyping) timers.set(key, setTimeout(() => set(event.chatId, event.user, false), EXPIRE_MS));
}

/** A typist stops when their message arrives, without waiting for their `isTyping: false`. */
export function stopTyping(chatId: string, userId: string) {
  const user = typingVar().get(chatId)?.get(userId);
  if (user) set(chatId, user, false);
}

export function clearTyping() {
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
  if (typingVar().size) typingVar(new Map());
}

function set(chatId: string, user: Typist, typing: boolean) {
  const all = new Map(typingVar());
  const chat = new Map(all.get(chatId));
  if (typing) chat.set(user.id, user);
  else chat.delete(user.id);
  if (chat.size) all.set(chatId, chat);
  else all.delete(chatId);
  typingVar(all);
}
