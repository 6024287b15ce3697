import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireViewer, type Context } from '../context.js';
import type { AuthResult } from './auth.service.js';
import { AuthPayload, RegisterInput } from './auth.types.js';
import type { ClientInfo } from './sessions.js';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload)
  register(@Arg('input', () => RegisterInput) input: RegisterInput, @Ctx() ctx: Context): Promise<AuthResult> {
    return signedIn(ctx, ctx.services.auth.register({ ...input }, clientOf(ctx)));
  }

  @Mutation(() => AuthPayload, { description: 'The same error for an unknown email and a wrong password.' })
  login(
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<AuthResult> {
    return signedIn(ctx, ctx.services.auth.login(email, password, clientOf(ctx)));
  }

  @Mutation(() => AuthPayload, { description: 'Rotates the pair; a reused refresh token revokes its whole family.' })
  refreshToken(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: Context): Promise<AuthResult> {
    return signedIn(ctx, ctx.services.auth.refresh(refreshToken, clientOf(ctx)));
  }

  @Mutation(() => Boolean, {
    description: 'Ends the session of the given refresh token, or every session of the viewer without one.',
  })
  logout(
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.auth.logout(ctx.viewerId, refreshToken);
  }

  @Mutation(() => Boolean, { description: 'Also ends every other session of the account; the current one stays.' })
  changePassword(
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    const viewerId = requireViewer(ctx);
    return ctx.services.auth.changePassword(viewerId, ctx.sessionId!, currentPassword, newPassword, clientOf(ctx));
  }
}

async function signedIn(ctx: Context, pending: Promise<AuthResult>): Promise<AuthResult> {
  const result = await pending;
  ctx.actAs(result.user.id, result.sessionId);
  return result;
}

const clientOf = (ctx: Context): ClientInfo => ({ ip: ctx.ip, userAgent: ctx.userAgent });
