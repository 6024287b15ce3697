import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum Audience {
  EVERYONE = 'EVERYONE',
  CONTACTS = 'CONTACTS',
  NOBODY = 'NOBODY',
}
registerEnumType(Audience, {
  name: 'Audience',
  description: 'Who may do something to a user. `NOBODY` is for `lastSeen` only: to keep someone out altogether, block them.',
  valuesConfig: { CONTACTS: { description: 'Accepted contacts of the user.' } },
});

@ObjectType({ description: "A user's privacy settings; every one defaults to CONTACTS." })
export class Privacy {
  @Field(() => Audience, { description: 'Who may start a direct chat with the user.' })
  directMessages!: Audience;

  @Field(() => Audience, { description: 'Who may add the user to a group.' })
  groupAdds!: Audience;

  @Field(() => Audience, { description: 'Who may see whether the user is online and when they were last seen (`User.presence`).' })
  lastSeen!: Audience;
}

@InputType({ description: 'Omitted settings stay as they are.' })
export class PrivacyInput {
  @Field(() => Audience, { nullable: true })
  directMessages?: Audience | null;

  @Field(() => Audience, { nullable: true })
  groupAdds?: Audience | null;

  @Field(() => Audience, { nullable: true })
  lastSeen?: Audience | null;
}
