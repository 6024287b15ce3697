import { useEffect } from 'react';
import { useQuery } from '@apollo/client/react';
import { ChatsDocument, UnreadSummaryDocument } from '../gql/graphql';
import { CHAT_PAGE } from './ChatList';

/** How long a burst of changed counts is waited out before the summary is asked again. */
const SETTLE_MS = 250;

/**
 * The app badge: the server's `unreadSummary`, which counts as notifications do (muted chats
 * left out, MENTIONS chats by their mentions) over every chat, loaded or not. Entries keep each
 * cached chat's counts current; only when those change is the summary asked again, once per
 * burst — a typing indicator, a reaction or presence never costs a request.
 */
export function useUnreadTotal(): number {
  const { data: list } = useQuery(ChatsDocument, { variables: { first: CHAT_PAGE }, fetchPolicy: 'cache-only' });
  const counts = list?.chats.edges.map(({ node }) => `${node.id}:${node.unreadCount}:${node.unreadMentionCount}`).join(',');
  const { data, refetch } = useQuery(UnreadSummaryDocument, { fetchPolicy: 'cache-and-network' });
  useEffect(() => {
    if (counts === undefined) return;
    const timer = setTimeout(() => void refetch().catch(() => undefined), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [counts, refetch]);
  return data?.unreadSummary.messages ?? 0;
}
