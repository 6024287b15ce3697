import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Omitted fields stay as they are; null clears an optional field.' })
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  firstname?: string | null;

  @Field(() => String, { nullable: true })
  lastname?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  country?: string | null;

  @Field(() => String, { nullable: true })
  profilePicture?: string | null;
}
