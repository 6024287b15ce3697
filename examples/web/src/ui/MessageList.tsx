import { Fragment, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { compareIds, PAGE_SIZE } from '../apollo/cache-updates';
import { HistoryDocument, type ChatFieldsFragment, type MessageFieldsFragment } from '../gql/graphql';
import { dayLabel, sameDay } from './format';
import { MessageBubble } from './MessageBubble';

/** Within this, consecutive messages of one sender form one group (one name, tighter spacing). */
const GROUP_MS = 5 * 60_000;

/**
 * A chat's history, newest at the bottom. Scrolling up loads older pages (`messages(last:,
 * before:)`, merged by `relayStylePagination`) and keeps what is on screen in place; new
 * messages, inserted into the same cached history by the sync, scroll into view while the
 * reader is at the bottom.
 */
interface Props {
  chat: ChatFieldsFragment;
  viewerId: string;
  onEdit: (m: MessageFieldsFragment) => void;
  onReply: (m: MessageFieldsFragment) => void;
}

export function MessageList({ chat, viewerId, onEdit, onReply }: Props) {
  const { data, loading, error, fetchMore } = useQuery(HistoryDocument, { variables: { chatId: chat.id, last: PAGE_SIZE } });
  const list = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const keepFromBottom = useRef<number | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const messages = data?.messages.edges.map((e) => e.node) ?? [];
  const { hasPreviousPage, startCursor } = data?.messages.pageInfo ?? { hasPreviousPage: false, startCursor: null };
  const newest = messages.at(-1);

  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (keepFromBottom.current !== null) {
      el.scrollTop = el.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    } else if (atBottom.current || newest?.sender.id === viewerId) {
      el.scrollTop = el.scrollHeight;
    }
  }, [messages.length, newest?.id, newest?.sender.id, viewerId]);

  // Older pages, when the top of the history comes into view.
  useEffect(() => {
    const el = list.current;
    const sentinel = top.current;
    if (!el || !sentinel || !hasPreviousPage || loadingOlder) return;
    const observer = new IntersectionObserver(
      ([entry]) => {
        if (!entry?.isIntersecting) return;
        observer.disconnect();
        keepFromBottom.current = el.scrollHeight - el.scrollTop;
        setLoadingOlder(true);
        fetchMore({ variables: { before: startCursor } }).finally(() => setLoadingOlder(false));
      },
      { root: el, rootMargin: '200px 0px 0px 0px' },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasPreviousPage, startCursor, loadingOlder, fetchMore]);

  const others = chat.participants.filter((p) => p.user.id !== viewerId);
  const status = statusLine(messages, viewerId, others, chat.isGroup);

  return (
    <div
      className="messages"
      ref={list}
      data-testid="messages"
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      <div ref={top} className="history-top">
        {loadingOlder ? 'Loading earlier messages…' : !hasPreviousPage && data ? 'The beginning of this chat' : ''}
      </div>
      {error && <p className="error pad">{error.message}</p>}
      {loading && !data && <p className="muted pad">Loading messages…</p>}
      {messages.map((message, i) => {
        const prev = messages[i - 1];
        const newDay = !prev || !sameDay(prev.sentAt, message.sentAt);
        const grouped = !newDay && prev?.sender.id === message.sender.id && Date.parse(message.sentAt) - Date.parse(prev.sentAt) < GROUP_MS;
        return (
          <Fragment key={message.id}>
            {newDay && <div className="day">{dayLabel(message.sentAt)}</div>}
            <MessageBubble
              message={message}
              mine={message.sender.id === viewerId}
              showSender={chat.isGroup && !grouped && message.sender.id !== viewerId}
              grouped={grouped}
              onEdit={onEdit}
              onReply={onReply}
            />
            {status && status.messageId === message.id && (
              <div className={`status ${status.seen ? 'seen' : ''}`} data-testid={status.seen ? 'seen' : 'sent'}>
                {status.text}
              </div>
            )}
          </Fragment>
        );
      })}
    </div>
  );
}

type Participant = ChatFieldsFragment['participants'][number];

/**
 * "Sending…", "Sent" or "Seen" under the viewer's newest message when it is the newest of the
 * chat. Seen comes from the others' read markers (`ChatParticipant.lastReadMessageId`), which
 * read-marker entries keep current: a marker at or past a message means it was read.
 */
function statusLine(messages: MessageFieldsFragment[], viewerId: string, others: Participant[], isGroup: boolean) {
  const newest = messages.at(-1);
  if (!newest || newest.sender.id !== viewerId || newest.deletedAt) return null;
  if (!/^\d+$/.test(newest.id)) return { messageId: newest.id, seen: false, text: 'Sending…' };
  const readers = others.filter((p) => p.lastReadMessageId && compareIds(p.lastReadMessageId, newest.id) >= 0);
  if (!readers.length) return { messageId: newest.id, seen: false, text: 'Sent' };
  const text = !isGroup || readers.length === others.length ? 'Seen' : `Seen by ${readers.map((p) => p.user.firstname).join(', ')}`;
  return { messageId: newest.id, seen: true, text };
}
