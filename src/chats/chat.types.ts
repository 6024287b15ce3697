import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../common/pagination.js';
import type { ChatEventKind } from '../realtime/events.js';
import { User } from '../users/user.type.js';

export enum ParticipantRole {
  OWNER = 'OWNER',
  MEMBER = 'MEMBER',
}
registerEnumType(ParticipantRole, { name: 'ParticipantRole' });

@ObjectType({ description: 'A conversation: one-to-one (direct) or a named group.' })
export class Chat {
  @Field(() => ID)
  id!: number;

  @Field(() => String, { nullable: true, description: 'The group name; null for direct chats.' })
  name!: string | null;

  @Field(() => Boolean)
  isGroup!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class ChatParticipant {
  @Field(() => User)
  user!: User;

  @Field(() => ParticipantRole)
  role!: ParticipantRole;

  @Field(() => Date)
  joinedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'Everything up to this message counts as read by this participant.' })
  lastReadMessageId!: number | null;
}

export const ChatConnection = connectionTypes(Chat, 'Chat');

export enum ChatEventKindEnum {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  PARTICIPANT_ADDED = 'PARTICIPANT_ADDED',
  PARTICIPANT_REMOVED = 'PARTICIPANT_REMOVED',
  PARTICIPANT_LEFT = 'PARTICIPANT_LEFT',
}
registerEnumType(ChatEventKindEnum, { name: 'ChatEventKind' });

@ObjectType({ description: 'A change to a chat the viewer belongs (or belonged) to.' })
export class ChatEvent {
  @Field(() => ChatEventKindEnum)
  kind!: ChatEventKind;

  @Field(() => Chat)
  chat!: Chat;

  @Field(() => User, { nullable: true, description: 'Who the change is about (added, removed, left) or who made it.' })
  user!: User | null;
}
