import { useQuery, useReactiveVar } from '@apollo/client/react';
import { typingVar } from '../apollo/typing';
import { ChatsDocument, type ChatFieldsFragment } from '../gql/graphql';
import { Avatar } from './Avatar';
import { chatTitle, otherUser, shortWhen } from './format';
import { openChat } from './route';

export const CHAT_PAGE = 30;

/** The viewer's chats, newest activity first (the cache's `chats` policy sorts them). */
export function ChatList({ viewerId, openId }: { viewerId: string; openId: string | null }) {
  const { data, loading, error, fetchMore } = useQuery(ChatsDocument, { variables: { first: CHAT_PAGE } });
  if (error) return <p className="error pad">{error.message}</p>;
  if (loading && !data) return <p className="muted pad">Loading chats…</p>;
  const edges = data?.chats.edges ?? [];
  if (!edges.length) return <p className="muted pad">No chats yet. Start one from Contacts.</p>;
  const { hasNextPage, endCursor } = data!.chats.pageInfo;
  return (
    <ul className="chat-list">
      {edges.map(({ node }) => (
        <ChatItem key={node.id} chat={node} viewerId={viewerId} active={node.id === openId} />
      ))}
      {hasNextPage && (
        <li>
          <button className="link pad" onClick={() => fetchMore({ variables: { after: endCursor } })}>
            Older chats
          </button>
        </li>
      )}
    </ul>
  );
}

function ChatItem({ chat, viewerId, active }: { chat: ChatFieldsFragment; viewerId: string; active: boolean }) {
  const typists = useReactiveVar(typingVar).get(chat.id);
  const title = chatTitle(chat, viewerId);
  const last = chat.lastMessage;
  let preview = 'No messages yet';
  if (last) {
    const who = last.sender.id === viewerId ? 'You: ' : chat.isGroup ? `${last.sender.firstname}: ` : '';
    preview = who + (last.deletedAt ? 'Message deleted' : last.content || filesLabel(last.messageType));
  }
  return (
    <li>
      <button className={`chat-item ${active ? 'active' : ''}`} data-testid="chat-item" data-chat-id={chat.id} onClick={() => openChat(chat.id)}>
        <Avatar user={otherUser(chat, viewerId)} label={title} />
        <span className="chat-item-body">
          <span className="chat-item-top">
            <span className="chat-item-title">{title}</span>
            <span className="chat-item-time">{shortWhen(last?.sentAt ?? chat.lastActivityAt)}</span>
          </span>
          <span className="chat-item-bottom">
            {typists?.size ? <span className="typing-text">typing…</span> : <span className="chat-item-preview">{preview}</span>}
            <span className="chat-item-badges">
              {chat.unreadMentionCount > 0 && (
                <span className="badge mention" data-testid="mention-badge" title="Mentions you" aria-label={`${chat.unreadMentionCount} unread mentioning you`}>
                  @
                </span>
              )}
              {chat.unreadCount > 0 && (
                <span className="badge" data-testid="unread-badge" aria-label={`${chat.unreadCount} unread`}>
                  {chat.unreadCount}
                </span>
              )}
            </span>
          </span>
        </span>
      </button>
    </li>
  );
}

/** An attachment-only message in the list's preview. */
const filesLabel = (type: string) => (type === 'IMAGE' ? '📷 Photo' : type === 'FILE' ? '📎 File' : '');
