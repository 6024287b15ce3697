import type { ApolloCache, Reference } from '@apollo/client';
import {
  ContactsDocument,
  HistoryDocument,
  MessageReactionsFragmentDoc,
  ReplyFieldsFragmentDoc,
  type ChatFieldsFragment,
  type ContactFieldsFragment,
  type ContactUpdatedSubscription,
  type MessageFieldsFragment,
  type ReactionFieldsFragment,
  type SendMessageMutation,
} from '../gql/graphql';

/** Size of a history page; the same in every read of the history, so they share one cache entry. */
export const PAGE_SIZE = 30;

/** Message ids grow in log order; pending (optimistic) ones sort last. */
export function compareIds(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? BigInt(a) : null;
  const nb = /^\d+$/.test(b) ? BigInt(b) : null;
  if (na === null || nb === null) return na === nb ? 0 : na === null ? 1 : -1;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * The sender's own message, as its history shows it: the answer to `sendMessage`, with the
 * reactions and the quoted message as the cache holds them, which entries newer than the answer
 * may have changed. Null when the quoted message is not cached: the message's own entry brings it.
 */
export function asHistoryMessage(cache: ApolloCache, sent: SendMessageMutation['sendMessage']): MessageFieldsFragment | null {
  const id = cache.identify({ __typename: 'Message', id: sent.id });
  const reactions = cache.readFragment({ id, fragment: MessageReactionsFragmentDoc, fragmentName: 'MessageReactions' })?.reactions ?? [];
  const replyTo = sent.replyTo && cache.readFragment({ id: cache.identify({ __typename: 'Message', id: sent.replyTo.id }), fragment: ReplyFieldsFragmentDoc, fragmentName: 'ReplyFields' });
  if (sent.replyTo && !replyTo) return null;
  return { ...sent, reactions, replyTo: replyTo ?? null };
}

/**
 * Puts a message into its chat's cached history, in id order, once: an entry replayed after a
 * reconnect, or one that crosses the history's first load, changes nothing. A chat whose
 * history was never loaded is left alone (opening it loads it).
 */
export function insertMessage(cache: ApolloCache, message: MessageFieldsFragment) {
  cache.updateQuery({ query: HistoryDocument, variables: { chatId: message.chatId, last: PAGE_SIZE } }, (history) => {
    if (!history) return undefined;
    const edges = history.messages.edges;
    if (edges.some((edge) => edge.node.id === message.id)) return undefined;
    let at = edges.length;
    while (at > 0 && compareIds(edges[at - 1]!.node.id, message.id) > 0) at--;
    const edge = { __typename: 'MessageEdge' as const, cursor: '', node: message };
    return { ...history, messages: { ...history.messages, edges: [...edges.slice(0, at), edge, ...edges.slice(at)] } };
  });
}

/**
 * Shows a message being sent as its chat's last, in the list. Written in the optimistic layer
 * only: once the answer comes, the layer goes, and the chat is what the log's entries made it.
 */
export function showAsLast(cache: ApolloCache, message: Pick<MessageFieldsFragment, 'id' | 'chatId' | 'sentAt'>) {
  cache.modify({
    id: cache.identify({ __typename: 'Chat', id: message.chatId }),
    fields: {
      lastMessage: (_last, { toReference }) => toReference({ __typename: 'Message', id: message.id }),
      lastActivityAt: () => message.sentAt,
    },
  });
}

/** Adds a chat to the cached chat list when it is not there yet (a new chat, or one beyond the loaded pages). */
export function listChat(cache: ApolloCache, chat: Pick<ChatFieldsFragment, 'id'>) {
  const ref = cache.identify({ __typename: 'Chat', id: chat.id });
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      // The stored connection (relayStylePagination's form): edges whose nodes are references.
      chats(stored, { readField, toReference }) {
        const existing = stored as unknown as { edges: { cursor: string; node: Reference }[] } | undefined;
        if (!existing || !ref) return stored;
        if (existing.edges.some((edge) => readField('id', edge.node) === chat.id)) return stored;
        const node = toReference(ref)!;
        return { ...existing, edges: [...existing.edges, { __typename: 'ChatEdge', cursor: '', node }] } as unknown as typeof stored;
      },
    },
  });
}

/** The viewer left or was removed: the chat leaves the list and the cache. */
export function unlistChat(cache: ApolloCache, chatId: string) {
  cache.evict({ id: cache.identify({ __typename: 'Chat', id: chatId }) });
  cache.gc();
}

/** A contact entry the viewer did not have yet (an invitation received, or sent from another tab). */
export function listContact(cache: ApolloCache, contact: ContactFieldsFragment) {
  cache.updateQuery({ query: ContactsDocument }, (data) =>
    data && !data.contacts.some((c) => c.id === contact.id) ? { contacts: [...data.contacts, contact] } : undefined,
  );
}

/** Applies a `contactUpdated` event: a status change is already normalised; list membership is not. */
export function applyContactEvent(cache: ApolloCache, { kind, contact }: ContactUpdatedSubscription['contactUpdated']) {
  if (kind === 'INVITATION_CANCELLED' || kind === 'CONTACT_REMOVED') {
    cache.evict({ id: cache.identify({ __typename: 'Contact', id: contact.id }) });
    cache.gc();
  } else listContact(cache, contact);
}

/**
 * The viewer's own reaction, added to or removed from a cached message's groups. Run for the
 * optimistic layer and again with the answer: groups that already show it so (an entry came
 * first) are left as they are, so it counts once, on top of whatever newer entries brought.
 */
export function applyOwnReaction(cache: ApolloCache, messageId: string, emoji: string, add: boolean) {
  cache.modify<{ reactions: ReactionFieldsFragment[] }>({
    id: cache.identify({ __typename: 'Message', id: messageId }),
    fields: { reactions: (groups) => withOwnReaction(groups as ReactionFieldsFragment[], emoji, add) },
  });
}

function withOwnReaction(groups: ReactionFieldsFragment[], emoji: string, add: boolean): ReactionFieldsFragment[] {
  const group = groups.find((g) => g.emoji === emoji);
  if ((group?.reactedByMe ?? false) === add) return groups;
  if (!group) {
    const mine = { __typename: 'ReactionGroup' as const, emoji, count: 1, reactedByMe: true };
    return [...groups, mine];
  }
  return groups.map((g) => (g === group ? { ...g, count: g.count + (add ? 1 : -1), reactedByMe: add } : g)).filter((g) => g.count > 0);
}
