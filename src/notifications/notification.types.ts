import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum NotificationLevel {
  ALL = 'ALL',
  MENTIONS = 'MENTIONS',
  NONE = 'NONE',
}
registerEnumType(NotificationLevel, {
  name: 'NotificationLevel',
  description: "What of a chat counts in the viewer's `unreadSummary`.",
  valuesConfig: {
    ALL: { description: 'Every unread message.' },
    MENTIONS: { description: 'Only unread messages that mention the viewer.' },
    NONE: { description: 'Nothing: the chat is muted.' },
  },
});

@ObjectType({ description: "The app badge: unread messages and mentions over the viewer's chats, muted chats left out." })
export class UnreadSummary {
  @Field(() => Int, { description: 'Chats with something counted.' })
  chats!: number;

  @Field(() => Int, { description: 'Unread messages (in MENTIONS chats, only those that mention the viewer).' })
  messages!: number;

  @Field(() => Int, { description: 'Unread messages that mention the viewer.' })
  mentions!: number;
}
