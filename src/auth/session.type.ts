import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One sign-in (a device or app) and every token refreshed from it.' })
export class Session {
  @Field(() => ID)
  id!: string;

  @Field(() => Boolean, { description: 'Whether this is the session of the token making the request.' })
  current!: boolean;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { description: 'The sign-in or the latest token refresh.' })
  lastUsedAt!: Date;

  @Field(() => Date, { description: 'When the session ends unless its refresh token is used before.' })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: 'The User-Agent of the latest sign-in or refresh.' })
  userAgent!: string | null;

  @Field(() => String, { nullable: true, description: 'The client address of the latest sign-in or refresh.' })
  ip!: string | null;
}
