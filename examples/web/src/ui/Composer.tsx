import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { getAuth } from '../apollo/auth';
import { asHistoryMessage, insertMessage, listChat, showAsLast } from '../apollo/cache-updates';
import {
  EditMessageDocument,
  SendMessageDocument,
  SetTypingDocument,
  type AttachmentFieldsFragment,
  type ChatFieldsFragment,
  type MessageFieldsFragment,
  type ReplyFieldsFragment,
  type SendMessageMutation,
} from '../gql/graphql';
import { fileSize } from './Attachments';
import { AttachButton } from './AttachButton';
import { newClientMessageId } from './format';
import { ReplyPreview } from './ReplyPreview';
import { useUploads, type PendingFile } from './uploads';

/** Typing is announced at most this often while the viewer types (the server ends it ~5 s after the last). */
const TYPING_REFRESH_MS = 3_000;
/** No keystroke for this long: typing stopped. */
const TYPING_IDLE_MS = 4_000;

interface Props {
  chat: ChatFieldsFragment;
  editing: MessageFieldsFragment | null;
  onEditDone: () => void;
  replyingTo: MessageFieldsFragment | null;
  onReplyDone: () => void;
}

/** Writes a message (with files, or as a reply), or edits one; says "typing" while the viewer types. */
export function Composer({ chat, editing, onEditDone, replyingTo, onReplyDone }: Props) {
  const [draft, setDraft] = useState('');
  const uploads = useUploads();
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const typing = useTypingAnnouncer(chat.id);
  const [sendMessage] = useMutation(SendMessageDocument, {
    update: (cache, { data }) => {
      if (!data) return;
      const message = asHistoryMessage(cache, data.sendMessage);
      if (message) insertMessage(cache, message);
      listChat(cache, data.sendMessage.chat);
      // Until the answer comes (in the optimistic layer only), the list shows it as the chat's last.
      if (data.sendMessage.id.startsWith('pending-')) showAsLast(cache, data.sendMessage);
    },
  });
  const [editMessage] = useMutation(EditMessageDocument);

  useEffect(() => {
    setDraft(editing?.content ?? '');
    input.current?.focus();
  }, [editing]);
  useEffect(() => {
    if (replyingTo) input.current?.focus();
  }, [replyingTo]);

  const attached = uploads.files.filter((f) => f.uploadId);
  const canSend = editing ? Boolean(draft.trim()) : (Boolean(draft.trim()) || attached.length > 0) && !uploads.uploading;

  async function submit() {
    const content = draft.trim();
    if (!canSend) return;
    setError(null);
    typing.stop();
    if (editing) {
      if (content !== editing.content) await editMessage({ variables: { id: editing.id, content } }).catch((e: Error) => setError(e.message));
      onEditDone();
      return;
    }
    const files = uploads.files;
    const replyTo = replyingTo;
    setDraft('');
    uploads.clear();
    onReplyDone();
    const clientMessageId = newClientMessageId();
    const attachmentIds = attached.map((f) => f.uploadId!);
    try {
      await sendMessage({
        variables: { input: { chatId: chat.id, content, clientMessageId, attachmentIds, replyToId: replyTo?.id ?? null } },
        optimisticResponse: pending(chat, content, clientMessageId, attached, replyTo),
      });
    } catch (e) {
      setDraft(content);
      uploads.restore(files);
      setError((e as Error).message);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape') {
      if (editing) onEditDone();
      else if (replyingTo) onReplyDone();
    }
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
      {replyingTo && !editing && (
        <div className="composer-quote">
          <ReplyPreview message={replyingTo}>
            <button type="button" className="link" onClick={onReplyDone} aria-label="Cancel reply">
              ✕
            </button>
          </ReplyPreview>
        </div>
      )}
      {uploads.files.length > 0 && !editing && <FileChips files={uploads.files} onRemove={uploads.remove} />}
      {error && (
        <div className="composer-note error" role="alert">
          {error}
        </div>
      )}
      <div className="composer-row">
        {!editing && <AttachButton onFiles={(files) => uploads.add(files)} />}
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
        <button className="primary send" disabled={!canSend}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </form>
  );
}

/** The files chosen for the next message: uploading, attached, or refused (with why). */
function FileChips({ files, onRemove }: { files: PendingFile[]; onRemove: (key: string) => void }) {
  return (
    <ul className="file-chips" aria-label="Attached files">
      {files.map((f) => (
        <li key={f.key} className={`file-chip ${f.error ? 'error' : ''}`} data-testid="file-chip" data-state={f.error ? 'failed' : f.uploadId ? 'ready' : 'uploading'}>
          <span className="file-chip-name">{f.file.name}</span>
          <span className="muted">{f.error ?? (f.uploadId ? fileSize(f.file.size) : 'Uploading…')}</span>
          <button type="button" className="link" onClick={() => onRemove(f.key)} aria-label={`Remove ${f.file.name}`}>
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The message as it will look once stored, shown at once; the answer replaces it. */
function pending(chat: ChatFieldsFragment, content: string, clientMessageId: string, files: PendingFile[], replyTo: ReplyFieldsFragment | null): SendMessageMutation {
  const { firstname, lastname, id, profilePicture } = getAuth()!.user;
  const sender = { __typename: 'User' as const, id, firstname, lastname, profilePicture };
  const now = new Date().toISOString();
  const messageType = !files.length ? ('TEXT' as const) : files.every((f) => f.file.type.startsWith('image/')) ? ('IMAGE' as const) : ('FILE' as const);
  const message = { __typename: 'Message' as const, id: `pending-${clientMessageId}`, content, messageType, sentAt: now, deletedAt: null, sender };
  // No links yet: the files show by name until the answer brings them.
  const attachments: AttachmentFieldsFragment[] = files.map((f) => ({
    __typename: 'Attachment',
    id: `pending-${f.uploadId}`,
    filename: f.file.name,
    contentType: 'application/octet-stream',
    size: f.file.size,
    url: null,
    width: null,
    height: null,
    thumbnailUrl: null,
  }));
  // Only its id: the history shows the quoted message as the cache holds it (asHistoryMessage).
  const quoted = replyTo && { __typename: 'Message' as const, id: replyTo.id };
  return {
    sendMessage: {
      ...message,
      chatId: chat.id,
      editedAt: null,
      clientMessageId,
      replyTo: quoted,
      attachments,
      chat: { __typename: 'Chat', id: chat.id },
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
