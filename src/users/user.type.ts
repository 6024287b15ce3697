import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A Parley account. There is no password field anywhere in the schema.' })
export class User {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  firstname!: string;

  @Field(() => String)
  lastname!: string;

  @Field(() => String, { nullable: true, description: 'Visible only to the user and to accepted contacts.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Visible only to the user and to accepted contacts.' })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  country!: string | null;

  @Field(() => String, { nullable: true })
  profilePicture!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
