import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { DeleteMessageDocument, type MessageFieldsFragment } from '../gql/graphql';
import { Attachments } from './Attachments';
import { clock } from './format';
import { ReactionBar } from './ReactionBar';
import { ReplyPreview } from './ReplyPreview';

interface Props {
  message: MessageFieldsFragment;
  mine: boolean;
  showSender: boolean;
  grouped: boolean;
  onEdit: (message: MessageFieldsFragment) => void;
  onReply: (message: MessageFieldsFragment) => void;
}

/**
 * One message. Its parts, top to bottom: the sender (groups), the reply preview, the text, the
 * attachments, the time; under the bubble, the reactions; beside it, the actions.
 */
export function MessageBubble({ message, mine, showSender, grouped, onEdit, onReply }: Props) {
  const deleted = message.deletedAt !== null && message.deletedAt !== undefined;
  const system = message.messageType === 'SYSTEM';
  const [picking, setPicking] = useState(false);
  const actions = useMessageActions(message, mine, { onEdit, onReply, onReact: () => setPicking((p) => !p) });
  if (system) return <div className="system-message">{message.content}</div>;
  return (
    <div className={`message ${mine ? 'mine' : 'theirs'} ${grouped ? 'grouped' : ''}`} data-testid="message" data-message-id={message.id}>
      {showSender && <div className="sender">{message.sender.firstname}</div>}
      <div className="bubble-row">
        <div className={`bubble ${deleted ? 'deleted' : ''}`}>
          {message.replyTo && !deleted && <ReplyPreview message={message.replyTo} />}
          {(deleted || message.content) && <span className="text">{deleted ? 'Message deleted' : message.content}</span>}
          {!deleted && <Attachments files={message.attachments} />}
          <span className="meta">
            {message.editedAt && !deleted && <span className="edited">edited · </span>}
            {clock(message.sentAt)}
          </span>
        </div>
        {actions.length > 0 && (
          <span className="actions">
            {actions.map((action) => (
              <button key={action.label} className="action" onClick={action.run} title={action.label} aria-label={action.label}>
                {action.icon}
              </button>
            ))}
          </span>
        )}
      </div>
      {!deleted && <ReactionBar message={message} picking={picking} onPicked={() => setPicking(false)} />}
    </div>
  );
}

interface Action {
  label: string;
  icon: string;
  run: () => void;
}

interface Handlers {
  onEdit: (m: MessageFieldsFragment) => void;
  onReply: (m: MessageFieldsFragment) => void;
  onReact: () => void;
}

/** What the viewer may do with a message: react and reply to any, edit and delete their own. */
function useMessageActions(message: MessageFieldsFragment, mine: boolean, { onEdit, onReply, onReact }: Handlers): Action[] {
  const [deleteMessage] = useMutation(DeleteMessageDocument);
  const actions: Action[] = [];
  const sent = /^\d+$/.test(message.id);
  if (!sent || message.deletedAt) return actions;
  actions.push({ label: 'React', icon: '☺', run: onReact });
  actions.push({ label: 'Reply', icon: '↩', run: () => onReply(message) });
  if (!mine) return actions;
  actions.push({ label: 'Edit', icon: '✎', run: () => onEdit(message) });
  actions.push({
    label: 'Delete',
    icon: '🗑',
    run: () => {
      if (confirm('Delete this message for everyone?')) void deleteMessage({ variables: { id: message.id } });
    },
  });
  return actions;
}
