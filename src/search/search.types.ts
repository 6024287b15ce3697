import { Field, ObjectType } from 'type-graphql';
import { connectionTypes } from '../common/pagination.js';
import { Message } from '../messages/message.types.js';

@ObjectType({ description: 'A message found by `searchMessages`.' })
export class MessageSearchResult {
  @Field(() => Message)
  message!: Message;

  @Field(() => String, {
    description:
      'The message text, HTML-escaped, with every match in `<mark>…</mark>`; long texts are cut to a window around the first match, with `…` where cut.',
  })
  highlight!: string;
}

export const MessageSearchConnection = connectionTypes(MessageSearchResult, 'MessageSearch');
