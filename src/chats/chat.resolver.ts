import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { toConnection, type Connection } from '../common/pagination.js';
import { requireViewer, type Context } from '../context.js';
import { messageAsOf, type ChatView, type EntryView, type MessageView } from '../chatlog/views.js';
import type { ChatRow, ParticipantRow, UserRow } from '../db/schema.js';
import { Message } from '../messages/message.types.js';
import { loadReferencedUser } from '../users/user.loaders.js';
import { User } from '../users/user.type.js';
import { clamp, participantsOf, unreadKeyOf } from './chat-as-of.js';
import { Chat, ChatConnection, ChatEvent, ChatParticipant } from './chat.types.js';

type ChatEventPayload = NonNullable<EntryView['chatEvent']>;

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
  chatUpdated(@Root() event: ChatEventPayload): ChatEventPayload {
    return event;
  }

  @FieldResolver(() => [ChatParticipant])
  participants(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<ParticipantRow[]> {
    return participantsOf(chat, ctx.loaders);
  }

  @FieldResolver(() => Message, { nullable: true, description: 'The newest message that is not deleted.' })
  async lastMessage(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<MessageView | null> {
    const row = chat.lastMessageId === null ? null : await ctx.loaders.messageById.load(chat.lastMessageId);
    return row && { ...(await messageAsOf(row, chat.asOf, ctx.loaders)), chatAsOf: chat.asOf ? chat : undefined };
  }

  @FieldResolver(() => Int, { description: "Messages from others after the viewer's read marker; SYSTEM and deleted messages never count." })
  unreadCount(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.unreadCountByChat.load(unreadKeyOf(chat));
  }

  @FieldResolver(() => Int, { description: "Of the unread messages, those that mention the viewer (following reads, edits and deletes)." })
  unreadMentionCount(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.unreadMentionsByChat.load(unreadKeyOf(chat));
  }

  @FieldResolver(() => ID, { nullable: true })
  async myLastReadMessageId(@Root() chat: ChatView, @Ctx() ctx: Context): Promise<number | null> {
    const participants = await ctx.loaders.participantsByChat.load(chat.id);
    return clamp(participants.find((p) => p.userId === ctx.viewerId)?.lastReadMessageId ?? null, chat.asOf);
  }
}

@Resolver(() => ChatParticipant)
export class ChatParticipantResolver {
  @FieldResolver(() => User)
  user(@Root() participant: ParticipantRow, @Ctx() ctx: Context): UserRow | Promise<UserRow> {
    return loadReferencedUser(ctx.loaders, participant.userId);
  }
}

@Resolver(() => ChatEvent)
export class ChatEventResolver {
  @FieldResolver(() => Chat)
  chat(@Root() event: ChatEventPayload): ChatView {
    return event.chat;
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() event: ChatEventPayload, @Ctx() ctx: Context): Promise<UserRow | null> {
    return ctx.loaders.userById.load(event.userId);
  }
}
