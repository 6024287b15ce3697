import { useMutation } from '@apollo/client/react';
import { DeleteMessageDocument, type MessageFieldsFragment } from '../gql/graphql';
import { clock } from './format';

interface Props {
  message: MessageFieldsFragment;
  mine: boolean;
  showSender: boolean;
  grouped: boolean;
  onEdit: (message: MessageFieldsFragment) => void;
}

/**
 * One message. Its parts, top to bottom: the sender (groups), the reply preview, the text, the
 * attachments, the time; under the bubble, the reactions; beside it, the actions. Replies,
 * reactions and attachments have their places marked below, so each lands as one small component.
 */
export function MessageBubble({ message, mine, showSender, grouped, onEdit }: Props) {
  const deleted = message.deletedAt !== null && message.deletedAt !== undefined;
  const system = message.messageType === 'SYSTEM';
  const actions = useMessageActions(message, mine, onEdit);
  if (system) return <div className="system-message">{message.content}</div>;
  return (
    <div className={`message ${mine ? 'mine' : 'theirs'} ${grouped ? 'grouped' : ''}`} data-testid="message" data-message-id={message.id}>
      {showSender && <div className="sender">{message.sender.firstname}</div>}
      <div className="bubble-row">
        <div className={`bubble ${deleted ? 'deleted' : ''}`}>
          {/* Reply preview (Message.replyTo): <ReplyPreview message={message.replyTo} /> */}
          <span className="text">{deleted ? 'Message deleted' : message.content}</span>
          {/* Attachments (Message.attachments): <Attachments files={message.attachments} /> */}
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
      {/* Reactions (Message.reactions): <ReactionBar groups={message.reactions} /> */}
    </div>
  );
}

interface Action {
  label: string;
  icon: string;
  run: () => void;
}

/** What the viewer may do with a message; "React" and "Reply" join this list. */
function useMessageActions(message: MessageFieldsFragment, mine: boolean, onEdit: (m: MessageFieldsFragment) => void): Action[] {
  const [deleteMessage] = useMutation(DeleteMessageDocument);
  const actions: Action[] = [];
  const sent = /^\d+$/.test(message.id);
  if (!mine || !sent || message.deletedAt) return actions;
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
