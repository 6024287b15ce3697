import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { toConnection, type Connection } from '../common/pagination.js';
import { requireViewer, type Context } from '../context.js';
import type { ChatRow, MessageRow, ParticipantRow, UserRow } from '../db/schema.js';
import { Message } from '../messages/message.types.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import type { ChatEventPayload } from '../realtime/hub.js';
import { Chat, ChatConnection, ChatEvent, ChatParticipant } from './chat.types.js';

@Resolver(() => Chat)
export class ChatResolver {
  @Query(() => ChatConnection, { description: "The viewer's chats, newest activity first." })
  async chats(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<Connection<ChatRow>> {
    return toConnection(await ctx.services.chats.list(requireViewer(ctx), { first, after }));
  }

  @Query(() => Chat, { nullable: true, description: 'A chat of the viewer; NOT_FOUND for any other.' })
  chat(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ChatRow> {
    return ctx.services.chats.get(requireViewer(ctx), id);
  }

  @Mutation(() => Chat, { description: 'Idempotent: one direct chat per pair of users.' })
  createDirectChat(@Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<ChatRow> {
    return ctx.services.chats.createDirect(requireViewer(ctx), userId);
  }

  @Mutation(() => Chat, { description: 'The creator becomes the owner.' })
  createGroupChat(
    @Arg('name', () => String) name: string,
    @Arg('participantIds', () => [ID]) participantIds: string[],
    @Ctx() ctx: Context,
  ): Promise<ChatRow> {
    return ctx.services.chats.createGroup(requireViewer(ctx), name, participantIds);
  }

  @Mutation(() => Chat, { description: 'Group owner only.' })
  renameChat(@Arg('chatId', () => ID) chatId: string, @Arg('name', () => String) name: string, @Ctx() ctx: Context): Promise<ChatRow> {
    return ctx.services.chats.rename(requireViewer(ctx), chatId, name);
  }

  @Mutation(() => Chat, { description: 'Group owner only; users already in the chat are skipped.' })
  addParticipants(
    @Arg('chatId', () => ID) chatId: string,
    @Arg('userIds', () => [ID]) userIds: string[],
    @Ctx() ctx: Context,
  ): Promise<ChatRow> {
    return ctx.services.chats.addParticipants(requireViewer(ctx), chatId, userIds);
  }

  @Mutation(() => Chat, { description: 'Group owner only.' })
  removeParticipant(@Arg('chatId', () => ID) chatId: string, @Arg('userId', () => ID) userId: string, @Ctx() ctx: Context): Promise<ChatRow> {
    return ctx.services.chats.removeParticipant(requireViewer(ctx), chatId, userId);
  }

  @Mutation(() => Boolean, { description: 'Leave a group; an owner who leaves passes ownership on.' })
  leaveChat(@Arg('chatId', () => ID) chatId: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.chats.leave(requireViewer(ctx), chatId);
  }

  @Subscription(() => ChatEvent, {
    description: 'Changes to chats the viewer belongs to, and their own removal or leaving.',
    subscribe: ({ context }) => (context as Context).services.subscriptions.chatUpdated(requireViewer(context as Context)),
  })
  chatUpdated(@Root() event: ChatEventPayload, @Ctx() ctx: Context): ChatEventPayload {
    ctx.renewLoaders(event);
    return event;
  }

  @FieldResolver(() => [ChatParticipant])
  participants(@Root() chat: ChatRow, @Ctx() ctx: Context): Promise<ParticipantRow[]> {
    return ctx.loaders.participantsByChat.load(chat.id);
  }

  @FieldResolver(() => Message, { nullable: true })
  async lastMessage(@Root() chat: ChatRow, @Ctx() ctx: Context): Promise<MessageRow | null> {
    return chat.lastMessageId === null ? null : ctx.loaders.messageById.load(chat.lastMessageId);
  }

  @FieldResolver(() => Int, { description: "Messages from others after the viewer's read marker." })
  unreadCount(@Root() chat: ChatRow, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.unreadCountByChat.load(chat.id);
  }

  @FieldResolver(() => ID, { nullable: true })
  async myLastReadMessageId(@Root() chat: ChatRow, @Ctx() ctx: Context): Promise<number | null> {
    const participants = await ctx.loaders.participantsByChat.load(chat.id);
    return participants.find((p) => p.userId === ctx.viewerId)?.lastReadMessageId ?? null;
  }
}

@Resolver(() => ChatParticipant)
export class ChatParticipantResolver {
  @FieldResolver(() => User)
  async user(@Root() participant: ParticipantRow, @Ctx() ctx: Context): Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, participant.userId);
  }
}

@Resolver(() => ChatEvent)
export class ChatEventResolver {
  @FieldResolver(() => Chat)
  chat(@Root() event: ChatEventPayload): ChatRow {
    return event.chat;
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() event: ChatEventPayload, @Ctx() ctx: Context): Promise<UserRow | null> {
    return ctx.loaders.userById.load(event.userId);
  }
}
