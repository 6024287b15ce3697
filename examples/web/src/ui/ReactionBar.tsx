import type { ApolloCache } from '@apollo/client';
import { useMutation } from '@apollo/client/react';
import { applyOwnReaction } from '../apollo/cache-updates';
import { AddReactionDocument, RemoveReactionDocument, type MessageFieldsFragment } from '../gql/graphql';

/** The few emoji the picker offers; any other one someone used shows up as a group too. */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

/**
 * Under a bubble: one button per reaction group (pressed when the viewer is in it; a click
 * toggles the viewer's own), and, while `picking`, the quick picker. Other people's reactions
 * arrive as `ReactionsChangedUpdate` entries, which normalisation writes into the message.
 */
export function ReactionBar({ message, picking, onPicked }: { message: MessageFieldsFragment; picking: boolean; onPicked: () => void }) {
  const toggle = useToggleReaction(message);
  if (!message.reactions.length && !picking) return null;
  return (
    <div className="reactions">
      {message.reactions.map((group) => (
        <button
          key={group.emoji}
          type="button"
          className={`reaction ${group.reactedByMe ? 'mine' : ''}`}
          data-testid="reaction"
          aria-pressed={group.reactedByMe}
          aria-label={`${group.emoji} ${group.count}${group.reactedByMe ? ', yours' : ''}`}
          onClick={() => toggle(group.emoji)}
        >
          <span className="reaction-emoji">{group.emoji}</span>
          <span className="reaction-count">{group.count}</span>
        </button>
      ))}
      {picking && (
        <span className="reaction-picker" role="group" aria-label="Pick a reaction">
          {QUICK_EMOJI.map((emoji) => (
            <button
              key={emoji}
              type="button"
              className="reaction-choice"
              aria-label={`React with ${emoji}`}
              onClick={() => {
                if (!message.reactions.some((g) => g.emoji === emoji && g.reactedByMe)) toggle(emoji);
                onPicked();
              }}
            >
              {emoji}
            </button>
          ))}
        </span>
      )}
    </div>
  );
}

/**
 * Adds or removes the viewer's reaction, shown at once. The answer carries only the message's id:
 * the groups as the server had them then, arriving after a newer entry, would put back an older
 * list. The viewer's own change is applied to the groups the cache holds instead (see
 * `applyOwnReaction`); the entry that follows every change brings the whole list.
 */
function useToggleReaction(message: MessageFieldsFragment) {
  const [addReaction] = useMutation(AddReactionDocument);
  const [removeReaction] = useMutation(RemoveReactionDocument);
  return (emoji: string) => {
    const add = !message.reactions.some((g) => g.emoji === emoji && g.reactedByMe);
    const variables = { messageId: message.id, emoji };
    const answer = { __typename: 'Message' as const, id: message.id };
    const update = (cache: ApolloCache) => applyOwnReaction(cache, message.id, emoji, add);
    if (add) void addReaction({ variables, optimisticResponse: { addReaction: answer }, update }).catch(() => undefined);
    else void removeReaction({ variables, optimisticResponse: { removeReaction: answer }, update }).catch(() => undefined);
  };
}
