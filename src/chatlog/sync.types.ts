import { Field, ID, InterfaceType, ObjectType } from 'type-graphql';
import { Chat } from '../chats/chat.types.js';
import { Message, ReadReceipt } from '../messages/message.types.js';
import { User } from '../users/user.type.js';
import { ChatEventKind, type LogKind } from './kinds.js';
import type { EntryView } from './views.js';

@InterfaceType({
  description: 'One entry of the chat log: a change that members of a chat can see. Applying an entry twice is harmless.',
  resolveType: (view: EntryView) => UPDATE_TYPES[view.kind as keyof typeof UPDATE_TYPES],
})
export abstract class ChatUpdate {
  @Field(() => String, { description: 'Resume after this entry with `updates(after:)`.' })
  cursor!: string;

  @Field(() => ID)
  chatId!: number;

  @Field(() => Date, { description: 'When the change was made.' })
  at!: Date;
}

@ObjectType({ implements: ChatUpdate, description: 'A message was sent.' })
export class MessageAddedUpdate {
  @Field(() => Message)
  message!: Message;
}

@ObjectType({ implements: ChatUpdate, description: 'A message was edited.' })
export class MessageEditedUpdate {
  @Field(() => Message)
  message!: Message;
}

@ObjectType({ implements: ChatUpdate, description: 'A message was deleted: `message` is the tombstone.' })
export class MessageDeletedUpdate {
  @Field(() => Message)
  message!: Message;
}

@ObjectType({ implements: ChatUpdate, description: "A message's reactions changed." })
export class ReactionsChangedUpdate {
  @Field(() => Message)
  message!: Message;
}

@ObjectType({ implements: ChatUpdate, description: "A participant's read marker moved." })
export class ReadMarkerUpdate {
  @Field(() => ReadReceipt)
  receipt!: ReadReceipt;
}

@ObjectType({ implements: ChatUpdate, description: 'A chat was created or renamed, or its membership changed.' })
export class ChatChangedUpdate {
  @Field(() => ChatEventKind)
  kind!: ChatEventKind;

  @Field(() => User, { nullable: true, description: 'Who the change is about (added, removed, left) or who made it.' })
  user!: User | null;

  @Field(() => Chat, { nullable: true, description: 'The chat as the change left it; null for the one who left or was removed.' })
  chat!: Chat | null;
}

const UPDATE_TYPES: Record<Exclude<LogKind, 'CONTACT_CHANGED' | 'BLOCKS_CHANGED'>, string> = {
  MESSAGE_ADDED: 'MessageAddedUpdate',
  MESSAGE_EDITED: 'MessageEditedUpdate',
  MESSAGE_DELETED: 'MessageDeletedUpdate',
  REACTIONS_CHANGED: 'ReactionsChangedUpdate',
  READ_MARKER: 'ReadMarkerUpdate',
  CHAT_CHANGED: 'ChatChangedUpdate',
};

@ObjectType({ description: 'A page of the log for one viewer.' })
export class UpdatePage {
  @Field(() => [ChatUpdate])
  updates!: ChatUpdate[];

  @Field(() => String, { description: 'Where the next page (or the live subscription) starts.' })
  cursor!: string;

  @Field(() => Boolean)
  hasMore!: boolean;
}
