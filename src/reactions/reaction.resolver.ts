import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { AsOfKey } from '../chatlog/as-of-rows.js';
import type { MessageView } from '../chatlog/views.js';
import { badInput } from '../common/errors.js';
import { requireViewer, type Context } from '../context.js';
import type { MessageRow, UserRow } from '../db/schema.js';
import { Message } from '../messages/message.types.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import { MAX_LISTED_REACTORS, type ReactionGroupData } from './reaction.loaders.js';
import { ReactionGroup } from './reaction.types.js';
import { MAX_EMOJI_PER_MESSAGE } from './reactions.service.js';

/** A group as resolved: its message and position, for the viewer's own reactions. */
type GroupView = ReactionGroupData & { key: AsOfKey };

@Resolver(() => Message)
export class ReactionResolver {
  @Mutation(() => Message, { description: `Idempotent; one emoji (a single grapheme), at most ${MAX_EMOJI_PER_MESSAGE} different ones on a message.` })
  addReaction(@Arg('messageId', () => ID) messageId: string, @Arg('emoji', () => String) emoji: string, @Ctx() ctx: Context): Promise<MessageRow> {
    return ctx.services.reactions.add(requireViewer(ctx), messageId, emoji);
  }

  @Mutation(() => Message, { description: 'Idempotent: removing a reaction that is not there changes nothing.' })
  removeReaction(@Arg('messageId', () => ID) messageId: string, @Arg('emoji', () => String) emoji: string, @Ctx() ctx: Context): Promise<MessageRow> {
    return ctx.services.reactions.remove(requireViewer(ctx), messageId, emoji);
  }

  @FieldResolver(() => [ReactionGroup], { description: 'As of the update it is seen through, if any; empty once deleted.' })
  async reactions(@Root() message: MessageView, @Ctx() ctx: Context): Promise<GroupView[]> {
    if (message.deletedAt !== null) return [];
    const key = { id: message.id, asOf: message.asOf?.logId ?? null };
    return (await ctx.loaders.reactionsByMessage.load(key)).map((group) => ({ ...group, key }));
  }
}

@Resolver(() => ReactionGroup)
export class ReactionGroupResolver {
  @FieldResolver(() => Boolean)
  async reactedByMe(@Root() group: GroupView, @Ctx() ctx: Context): Promise<boolean> {
    if (ctx.viewerId === null) return false;
    // A group listed in full answers without a query.
    if (group.userIds.length === group.count) return group.userIds.includes(ctx.viewerId);
    return (await ctx.loaders.myReactionsByMessage.load(group.key)).has(group.emoji);
  }

  @FieldResolver(() => [User], { description: `The first to react, oldest first (at most ${MAX_LISTED_REACTORS}).` })
  users(
    @Root() group: GroupView,
    @Arg('first', () => Int, { nullable: true, defaultValue: 10 }) first: number,
    @Ctx() ctx: Context,
  ): Promise<UserRow[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_LISTED_REACTORS) throw badInput('first', `first must be between 1 and ${MAX_LISTED_REACTORS}`);
    return Promise.all(group.userIds.slice(0, first).map((id) => loadReferencedUser(ctx.loaders, id)));
  }
}
