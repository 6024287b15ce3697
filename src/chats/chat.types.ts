import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { connectionTypes } from '../common/pagination.js';
import { ChatEventKind } from '../chatlog/kinds.js';
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

  @Field(() => Date, { description: 'When the chat was created or last received a message: `chats` is sorted by it, newest first.' })
  lastActivityAt!: Date;
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

registerEnumType(ChatEventKind, { name: 'ChatEventKind' });

@ObjectType({ description: 'A change to a chat the viewer belongs (or belonged) to.' })
export class ChatEvent {
  @Field(() => ChatEventKind)
  kind!: ChatEventKind;

  @Field(() => Chat, { description: 'The chat as the change left it.' })
  chat!: Chat;

  @Field(() => User, { nullable: true, description: 'Who the change is about (added, removed, left) or who made it.' })
  user!: User | null;
}
