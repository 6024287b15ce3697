import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { connectionTypes } from '../common/pagination.js';
import { User } from '../users/user.type.js';

export enum MessageType {
  TEXT = 'TEXT',
  IMAGE = 'IMAGE',
  FILE = 'FILE',
  SYSTEM = 'SYSTEM',
}
registerEnumType(MessageType, { name: 'MessageType', valuesConfig: { SYSTEM: { description: 'Written by the server only.' } } });

@ObjectType()
export class Message {
  @Field(() => ID)
  id!: number;

  @Field(() => ID)
  chatId!: number;

  @Field(() => User)
  sender!: User;

  @Field(() => String, { nullable: true, description: 'Null once the message is deleted; "" for attachments sent without a caption.' })
  content!: string | null;

  @Field(() => MessageType)
  messageType!: MessageType;

  @Field(() => Date)
  sentAt!: Date;

  @Field(() => Boolean, { description: 'True once every other participant has read it: its state now, also in an update about an earlier moment (use ReadMarkerUpdate receipts for who had read what then).' })
  isRead!: boolean;

  @Field(() => String, { nullable: true, description: "The sender's idempotency key; visible to the sender only." })
  clientMessageId!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current text was written by an edit; null if never edited.' })
  editedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Set once deleted: the message is then a tombstone without content.' })
  deletedAt!: Date | null;
}

@ObjectType({ description: 'An earlier version of an edited message.' })
export class MessageEdit {
  @Field(() => String, { description: 'The text as it was until `editedAt`.' })
  content!: string;

  @Field(() => Date, { description: 'When an edit replaced this text.' })
  editedAt!: Date;
}

export const MessageConnection = connectionTypes(Message, 'Message');

@InputType()
export class SendMessageInput {
  @Field(() => ID)
  chatId!: string;

  @Field(() => String, {
    nullable: true,
    description: "Trimmed; 1 to 10,000 characters. May be left out or empty when `attachmentIds` is not empty (a photo without a caption): the message's `content` is then \"\".",
  })
  content?: string | null;

  @Field(() => MessageType, {
    defaultValue: MessageType.TEXT,
    description: 'With attachments the type follows from them: IMAGE when every one is an image, FILE otherwise.',
  })
  messageType!: MessageType;

  @Field(() => [ID], { nullable: true, description: 'Uploads (`createUpload`) of the sender, received and not yet sent with any message; at most 10.' })
  attachmentIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Retrying with the same key returns the first message instead of a duplicate.' })
  clientMessageId?: string | null;

  @Field(() => ID, { nullable: true, description: 'A message of the same chat that this one answers.' })
  replyToId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Participants of the chat the message mentions.' })
  mentionIds?: string[] | null;
}

@ObjectType()
export class ReadReceipt {
  @Field(() => ID)
  chatId!: number;

  @Field(() => User)
  user!: User;

  @Field(() => ID, { nullable: true })
  lastReadMessageId!: number | null;

  @Field(() => Date, { nullable: true })
  readAt!: Date | null;

  @Field(() => Chat, {
    description: "The chat as the receipt left it, with the viewer's own unread count (for `markChatRead`, the reader's).",
  })
  chat!: Chat;
}

@ObjectType({ description: 'Someone in a chat started or stopped typing.' })
export class TypingEvent {
  @Field(() => ID)
  chatId!: number;

  @Field(() => User)
  user!: User;

  @Field(() => Boolean, { description: 'False when they stopped, or a few seconds passed without a refresh.' })
  isTyping!: boolean;

  @Field(() => Date)
  at!: Date;
}
