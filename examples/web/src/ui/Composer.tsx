import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { getAuth } from '../apollo/auth';
import { insertMessage, listChat } from '../apollo/cache-updates';
import { EditMessageDocument, SendMessageDocument, SetTypingDocument, type ChatFieldsFragment, type MessageFieldsFragment, type SendMessageMutation } from '../gql/graphql';
import { newClientMessageId } from './format';

/** Typing is announced at most this often while the viewer types (the server ends it ~5 s after the last). */
const TYPING_REFRESH_MS = 3_000;
/** No keystroke for this long: typing stopped. */
const TYPING_IDLE_MS = 4_000;

/** Writes a message, or edits one; says "typing" while the viewer types. */
export function Composer({ chat, editing, onEditDone }: { chat: ChatFieldsFragment; editing: MessageFieldsFragment | null; onEditDone: () => void }) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const typing = useTypingAnnouncer(chat.id);
  const [sendMessage] = useMutation(SendMessageDocument, {
    update: (cache, { data }) => {
      if (!data) return;
      insertMessage(cache, data.sendMessage);
      listChat(cache, data.sendMessage.chat);
    },
  });
  const [editMessage] = useMutation(EditMessageDocument);

  useEffect(() => {
    setDraft(editing?.content ?? '');
    input.current?.focus();
  }, [editing]);

  async function submit() {
    const content = draft.trim();
    if (!content) return;
    setError(null);
    typing.stop();
    if (editing) {
      if (content !== editing.content) await editMessage({ variables: { id: editing.id, content } }).catch((e: Error) => setError(e.message));
      onEditDone();
      return;
    }
    setDraft('');
    const clientMessageId = newClientMessageId();
    try {
      await sendMessage({
        variables: { input: { chatId: chat.id, content, clientMessageId } },
        optimisticResponse: pending(chat, content, clientMessageId),
      });
    } catch (e) {
      setDraft(content);
      setError((e as Error).message);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape' && editing) onEditDone();
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {editing && (
        <div className="composer-note">
          Editing message
          <button type="button" className="link" onClick={onEditDone}>
            Cancel
          </button>
        </div>
      )}
      {/* A reply being written shows its quoted message here (SendMessageInput.replyToId). */}
      {error && (
        <div className="composer-note error" role="alert">
          {error}
        </div>
      )}
      <div className="composer-row">
        <textarea
          ref={input}
          rows={1}
          value={draft}
          placeholder="Write a message"
          aria-label="Message"
          onChange={(e) => {
            setDraft(e.target.value);
            if (!editing) typing.keystroke(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onBlur={typing.stop}
        />
        <button className="primary send" disabled={!draft.trim()}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** The message as it will look once stored, shown at once; the answer replaces it. */
function pending(chat: ChatFieldsFragment, content: string, clientMessageId: string): SendMessageMutation {
  const { firstname, lastname, id, profilePicture } = getAuth()!.user;
  const sender = { __typename: 'User' as const, id, firstname, lastname, profilePicture };
  const now = new Date().toISOString();
  const message = { __typename: 'Message' as const, id: `pending-${clientMessageId}`, content, messageType: 'TEXT' as const, sentAt: now, deletedAt: null, sender };
  return {
    sendMessage: {
      ...message,
      chatId: chat.id,
      editedAt: null,
      clientMessageId,
      chat: { ...chat, lastActivityAt: now, lastMessage: message },
    },
  };
}

function useTypingAnnouncer(chatId: string) {
  const [setTyping] = useMutation(SetTypingDocument);
  const announced = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout>>(undefined);
  const api = useRef({
    stop() {
      clearTimeout(idle.current);
      if (!announced.current) return;
      announced.current = 0;
      void setTyping({ variables: { chatId, isTyping: false } }).catch(() => undefined);
    },
    keystroke(text: string) {
      if (!text.trim()) return api.current.stop();
      clearTimeout(idle.current);
      idle.current = setTimeout(() => api.current.stop(), TYPING_IDLE_MS);
      if (Date.now() - announced.current < TYPING_REFRESH_MS) return;
      announced.current = Date.now();
      void setTyping({ variables: { chatId, isTyping: true } }).catch(() => undefined);
    },
  });
  useEffect(() => () => api.current.stop(), []);
  return api.current;
}
