import { PrivacyInput } from '../users/privacy.types.js';
import { Field, InputType, ObjectType } from 'type-graphql';
import { User } from '../users/user.type.js';

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'Short-lived JWT for `Authorization: Bearer <accessToken>`.' })
  accessToken!: string;

  @Field(() => String, { description: 'Single-use; exchange it with `refreshToken` for a new pair.' })
  refreshToken!: string;

  @Field(() => Date, { description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

@InputType()
export class RegisterInput {
  @Field(() => String)
  firstname!: string;

  @Field(() => String)
  lastname!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String, { description: '8 to 128 characters.' })
  password!: string;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  country?: string | null;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 500 characters.' })
  profilePicture?: string | null;

  @Field(() => PrivacyInput, { nullable: true, description: 'Privacy settings to start with; each defaults to CONTACTS.' })
  privacy?: PrivacyInput | null;
}
