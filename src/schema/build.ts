import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver.js';
import { SessionsResolver } from '../auth/sessions.resolver.js';
import { ChatEventResolver, ChatParticipantResolver, ChatResolver } from '../chats/chat.resolver.js';
import { ChatChangedUpdateResolver, SyncResolver } from '../chatlog/sync.resolver.js';
import { ContactResolver } from '../contacts/contacts.resolver.js';
import { MessageLinksResolver } from '../messages/message-links.resolver.js';
import { AttachmentResolver, MessageAttachmentsResolver, UploadResolver } from '../files/files.resolver.js';
import { MessageResolver, ReadReceiptResolver, TypingEventResolver } from '../messages/message.resolver.js';
import { NotificationsResolver } from '../notifications/notifications.resolver.js';
import { ReactionGroupResolver, ReactionResolver } from '../reactions/reaction.resolver.js';
import { PresenceResolver, UserPresenceResolver } from '../presence/presence.resolver.js';
import { SearchResolver } from '../search/search.resolver.js';
import { UserResolver } from '../users/user.resolver.js';
import { guardTextArguments } from './text-guard.js';

export const resolvers = [
  AuthResolver,
  UserResolver,
  ContactResolver,
  ChatResolver,
  ChatParticipantResolver,
  MessageResolver,
  ReadReceiptResolver,
  TypingEventResolver,
  ChatEventResolver,
  SyncResolver,
  ChatChangedUpdateResolver,
  SessionsResolver,
  MessageLinksResolver,
  ReactionResolver,
  ReactionGroupResolver,
  NotificationsResolver,
  UploadResolver,
  MessageAttachmentsResolver,
  AttachmentResolver,
  UserPresenceResolver,
  PresenceResolver,
  SearchResolver,
] as const;

let cached: Promise<GraphQLSchema> | undefined;

/** The executable schema, built once per process from the feature resolvers. */
export function buildParleySchema(): Promise<GraphQLSchema> {
  if (!cached) {
    // Parameter decorators run last-to-first; list arguments in the order they are written.
    getMetadataStorage().params.sort((a, b) => a.index - b.index);
    cached = buildSchema({
      resolvers: [...resolvers],
      // Rules live in the services (one place each); class-validator is not used.
      validate: false,
      scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
      // Every subscription brings its own `subscribe` (the realtime hub); type-graphql still
      // insists on a pub/sub, so it gets one that refuses to be used.
      pubSub: {
        publish: () => {
          throw new Error('Changes are announced through the chat log (src/chatlog/write.ts)');
        },
        subscribe: () => {
          throw new Error('Subscriptions subscribe through the realtime hub');
        },
      },
    }).then(guardTextArguments);
  }
  return cached;
}
