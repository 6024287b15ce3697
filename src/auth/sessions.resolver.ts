import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context.js';
import { Session } from './session.type.js';
import type { SessionView } from './sessions.service.js';

@Resolver(() => Session)
export class SessionsResolver {
  @Query(() => [Session], { description: "The viewer's live sessions, most recently used first." })
  sessions(@Ctx() ctx: Context): Promise<SessionView[]> {
    return ctx.services.sessions.list(requireViewer(ctx), ctx.sessionId);
  }

  @Mutation(() => Boolean, {
    description: "Ends one of the viewer's sessions: its tokens stop working and its sockets close (4403) on every instance.",
  })
  revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.sessions.revoke(requireViewer(ctx), id);
  }
}
