import { InMemoryCache, type FieldPolicy, type Reference, type StoreObject } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { compareIds } from './cache-updates';

type Edge = { cursor: string; node: Reference };

/**
 * The chat list: pages merged as Relay connections, read newest activity first. Sorting on read
 * means a chat moves to the top as soon as any write (a subscription entry, a sent message)
 * changes its `lastActivityAt` — nothing re-orders the list by hand.
 */
function chatsByActivity(): FieldPolicy {
  const pages = relayStylePagination();
  return {
    ...pages,
    read(existing, options) {
      const read = typeof pages.read === 'function' ? pages.read(existing, options) : existing;
      if (!read) return read;
      const at = (edge: Edge) => options.readField<string>('lastActivityAt', edge.node) ?? '';
      return { ...read, edges: [...(read.edges as Edge[])].sort((a, b) => at(b).localeCompare(at(a))) };
    },
  };
}

/**
 * Participants have no id: each write of a chat brings the whole list, which replaces the old
 * one — except that a read marker never moves back. Answers and entries can arrive out of the
 * order they were made in (a slow answer to `markChatRead`, whose list was read before a receipt
 * the socket already brought): the older list must not take the receipt's "Seen" back.
 */
function participantsKeepingMarkers(): FieldPolicy<StoreObject[]> {
  return {
    merge(existing, incoming, { readField }) {
      if (!existing) return incoming;
      const userOf = (p: StoreObject) => readField<string>('id', readField<Reference>('user', p));
      const markers = new Map(existing.map((p) => [userOf(p), readField<string | null>('lastReadMessageId', p)]));
      return incoming.map((p) => {
        const kept = markers.get(userOf(p));
        const marker = readField<string | null>('lastReadMessageId', p);
        if (!kept || marker === undefined || (marker && compareIds(marker, kept) >= 0)) return p;
        return { ...p, lastReadMessageId: kept };
      });
    },
  };
}

export function createCache() {
  return new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          chats: chatsByActivity(),
          // One history per chat, pages (`last`/`before`) merged into it; live messages are inserted by id.
          messages: relayStylePagination(['chatId']),
          contacts: { keyArgs: ['status'], merge: (_existing, incoming: Reference[]) => incoming },
          // `chat(id)` reads the Chat the list (or an entry) already brought, without a request.
          chat: { read: (_existing, { args, toReference }) => toReference({ __typename: 'Chat', id: args?.id as string }) },
        },
      },
      // No id: each answer replaces the last.
      UnreadSummary: { merge: false },
      Chat: {
        fields: {
          participants: participantsKeepingMarkers(),
        },
      },
    },
  });
}
