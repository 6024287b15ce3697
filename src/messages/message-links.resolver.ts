import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { messageAsOf, type MessageView } from '../chatlog/views.js';
import type { Context } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import { Message } from './message.types.js';

/** What a message points at: the message it answers and the people it mentions. */
@Resolver(() => Message)
export class MessageLinksResolver {
  @FieldResolver(() => Message, { nullable: true, description: 'The message this one answers (a tombstone once that is deleted).' })
  async replyTo(@Root() message: MessageView, @Ctx() ctx: Context): Promise<MessageView | null> {
    if (message.replyToId === null || message.deletedAt !== null) return null;
    const original = await ctx.loaders.messageById.load(message.replyToId);
    return original && { ...(await messageAsOf(original, message.asOf, ctx.loaders)), chatAsOf: message.chatAsOf };
  }

  @FieldResolver(() => [User], { description: 'Participants the message mentions, as of the update it is seen through; empty once deleted.' })
  async mentions(@Root() message: MessageView, @Ctx() ctx: Context): Promise<UserRow[]> {
    if (message.deletedAt !== null) return [];
    const ids = await ctx.loaders.mentionsByMessage.load({ id: message.id, asOf: message.asOf?.logId ?? null });
    return Promise.all(ids.map((id) => loadReferencedUser(ctx.loaders, id)));
  }
}
