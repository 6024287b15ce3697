import type { ReactNode } from 'react';
import type { ReplyFieldsFragment } from '../gql/graphql';

/** What a quoted message says in one line: its text, what it carries, or that it is gone. */
export function quoteText(message: ReplyFieldsFragment): string {
  if (message.deletedAt) return 'Message deleted';
  if (message.content) return message.content;
  return message.messageType === 'IMAGE' ? '📷 Photo' : message.messageType === 'FILE' ? '📎 File' : '';
}

/** The message a reply answers: in the bubble above the reply's text, and in the composer while writing one. */
export function ReplyPreview({ message, children }: { message: ReplyFieldsFragment; children?: ReactNode }) {
  const deleted = Boolean(message.deletedAt);
  return (
    <div className={`reply-preview ${deleted ? 'deleted' : ''}`} data-testid="reply-preview">
      <span className="reply-body">
        <span className="reply-sender">{message.sender.firstname}</span>
        <span className="reply-text">{quoteText(message)}</span>
      </span>
      {children}
    </div>
  );
}
