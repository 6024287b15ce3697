import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { requireViewer, type Context } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { User } from '../users/user.type.js';
import { ChatEventKind } from './kinds.js';
import { UPDATES_DEFAULT_FIRST, UPDATES_MAX_FIRST, type UpdatePage as UpdatePageData } from './sync.service.js';
import { ChatChangedUpdate, ChatUpdate, UpdatePage } from './sync.types.js';
import { chatFor, type ChatView, type EntryView } from './views.js';

@Resolver()
export class SyncResolver {
  @Query(() => String, {
    description: 'The position of everything visible now. Read it, then load your state, then follow `updates(after:)`: nothing falls in between.',
  })
  updateCursor(@Ctx() ctx: Context): Promise<string> {
    requireViewer(ctx);
    return ctx.services.sync.cursor();
  }

  @Query(() => UpdatePage, {
    name: 'updates',
    description: `What changed in the viewer's chats after \`after\`, in log order (at most ${UPDATES_MAX_FIRST} at a time): for an app that was away.`,
  })
  updatesPage(
    @Arg('after', () => String) after: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: UPDATES_DEFAULT_FIRST }) first: number,
    @Ctx() ctx: Context,
  ): Promise<UpdatePageData> {
    return ctx.services.sync.updates(requireViewer(ctx), after, first, ctx.loaders);
  }

  @Subscription(() => ChatUpdate, {
    name: 'updates',
    description: "Every change in the viewer's chats (or one chat): replays those after `after`, then continues live, with no gap and no duplicate. A chat's entries stop at the viewer's leaving.",
    subscribe: ({ args, context }) => (context as Context).services.subscriptions.updates(requireViewer(context as Context), args.after, args.chatId),
  })
  liveUpdates(
    @Root() view: EntryView,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
    @Arg('chatId', () => ID, { nullable: true }) _chatId: string | null,
  ): EntryView {
    return view;
  }
}

@Resolver(() => ChatChangedUpdate)
export class ChatChangedUpdateResolver {
  @FieldResolver(() => ChatEventKind)
  kind(@Root() view: EntryView): ChatEventKind {
    return (view.entry.data as { kind: ChatEventKind }).kind;
  }

  @FieldResolver(() => User, { nullable: true })
  user(@Root() view: EntryView, @Ctx() ctx: Context): Promise<UserRow | null> {
    return view.userId === null ? Promise.resolve(null) : ctx.loaders.userById.load(view.userId);
  }

  @FieldResolver(() => Chat, { nullable: true })
  chat(@Root() view: EntryView, @Ctx() ctx: Context): ChatView | null {
    return chatFor(view, ctx.viewerId);
  }
}
