import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "Everyone who reacted to a message with one emoji. Groups come in the order their emoji was first used." })
export class ReactionGroup {
  @Field(() => String)
  emoji!: string;

  @Field(() => Int)
  count!: number;
}
