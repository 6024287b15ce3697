import { useEffect, useState, useSyncExternalStore } from 'react';
import { useMutation, useQuery, useReactiveVar } from '@apollo/client/react';
import { typingVar } from '../apollo/typing';
import { ChatDocument, MarkChatReadDocument, type ChatFieldsFragment, type MessageFieldsFragment } from '../gql/graphql';
import { Avatar } from './Avatar';
import { Composer } from './Composer';
import { chatTitle, fullName, otherUser } from './format';
import { MessageList } from './MessageList';
import { openChat } from './route';

export function ChatPane({ chatId, viewerId }: { chatId: string; viewerId: string }) {
  const { data, error } = useQuery(ChatDocument, { variables: { id: chatId } });
  const [editing, setEditing] = useState<MessageFieldsFragment | null>(null);
  const [replyingTo, setReplyingTo] = useState<MessageFieldsFragment | null>(null);
  const chat = data?.chat;
  useMarkRead(chat);

  if (error || (data && !chat)) {
    return (
      <div className="empty">
        <h2>This chat is not available</h2>
        <button className="link" onClick={() => openChat(null)}>
          Back to your chats
        </button>
      </div>
    );
  }
  if (!chat) return <div className="empty muted">Loading…</div>;
  return (
    <section className="chat" aria-label={chatTitle(chat, viewerId)}>
      <ChatHeader chat={chat} viewerId={viewerId} />
      <MessageList
        chat={chat}
        viewerId={viewerId}
        onEdit={(m) => {
          setReplyingTo(null);
          setEditing(m);
        }}
        onReply={(m) => {
          setEditing(null);
          setReplyingTo(m);
        }}
      />
      <TypingIndicator chatId={chat.id} />
      <Composer chat={chat} editing={editing} onEditDone={() => setEditing(null)} replyingTo={replyingTo} onReplyDone={() => setReplyingTo(null)} />
    </section>
  );
}

function ChatHeader({ chat, viewerId }: { chat: ChatFieldsFragment; viewerId: string }) {
  const title = chatTitle(chat, viewerId);
  const subtitle = chat.isGroup ? chat.participants.map((p) => (p.user.id === viewerId ? 'You' : p.user.firstname)).join(', ') : 'Direct chat';
  return (
    <header className="chat-header">
      <button className="icon-button back" onClick={() => openChat(null)} aria-label="Back to chats">
        ‹
      </button>
      <Avatar user={otherUser(chat, viewerId)} label={title} />
      <div>
        <h2 className="chat-title">{title}</h2>
        <p className="muted small">{subtitle}</p>
      </div>
    </header>
  );
}

function TypingIndicator({ chatId }: { chatId: string }) {
  const typists = [...(useReactiveVar(typingVar).get(chatId)?.values() ?? [])];
  if (!typists.length) return <div className="typing-indicator" />;
  const names = typists.map((u) => u.firstname);
  const who = names.length === 1 ? `${fullName(typists[0]!)} is` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are`;
  return (
    <div className="typing-indicator" data-testid="typing" aria-live="polite">
      <span className="dots" aria-hidden>
        <i />
        <i />
        <i />
      </span>
      {who} typing…
    </div>
  );
}

const visibility = {
  subscribe: (onChange: () => void) => {
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  },
  get: () => document.visibilityState === 'visible',
};

/**
 * An open chat on a visible page is read: whenever its unread count rises, the read marker
 * moves to the newest message. The receipt carries the chat, so the badge follows from the
 * answer, and the other side's "seen" from the log entry the marker writes.
 */
function useMarkRead(chat: ChatFieldsFragment | null | undefined) {
  const visible = useSyncExternalStore(visibility.subscribe, visibility.get);
  const [markRead] = useMutation(MarkChatReadDocument);
  const unread = chat?.unreadCount ?? 0;
  useEffect(() => {
    if (chat && unread > 0 && visible) void markRead({ variables: { chatId: chat.id } }).catch(() => undefined);
  }, [chat?.id, unread, chat?.lastMessage?.id, visible, markRead]); // not `chat`: a new object on every cache write
}
