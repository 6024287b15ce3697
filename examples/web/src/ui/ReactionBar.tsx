import { useMutation } from '@apollo/client/react';
import { AddReactionDocument, RemoveReactionDocument, type MessageFieldsFragment, type ReactionFieldsFragment } from '../gql/graphql';

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

/** Adds or removes the viewer's reaction, shown at once; the answer (the message's groups) replaces the guess. */
function useToggleReaction(message: MessageFieldsFragment) {
  const [addReaction] = useMutation(AddReactionDocument);
  const [removeReaction] = useMutation(RemoveReactionDocument);
  return (emoji: string) => {
    const mine = message.reactions.some((g) => g.emoji === emoji && g.reactedByMe);
    const reactions = toggled(message.reactions, emoji, !mine);
    const variables = { messageId: message.id, emoji };
    if (mine) void removeReaction({ variables, optimisticResponse: { removeReaction: { ...message, reactions } } }).catch(() => undefined);
    else void addReaction({ variables, optimisticResponse: { addReaction: { ...message, reactions } } }).catch(() => undefined);
  };
}

function toggled(groups: ReactionFieldsFragment[], emoji: string, add: boolean): ReactionFieldsFragment[] {
  if (!groups.some((g) => g.emoji === emoji)) {
    const group = { __typename: 'ReactionGroup' as const, emoji, count: 1, reactedByMe: true };
    return add ? [...groups, group] : groups;
  }
  return groups
    .map((g) => (g.emoji === emoji ? { ...g, count: g.count + (add ? 1 : -1), reactedByMe: add } : g))
    .filter((g) => g.count > 0);
}
