import { ContactEventKind } from '../chatlog/kinds.js';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../users/user.type.js';

/** The values match the `contact_status` database enum. */
export enum ContactStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  BLOCKED = 'BLOCKED',
}

/** The values match the `contact_direction` database enum. */
export enum ContactDirection {
  INCOMING = 'INCOMING',
  OUTGOING = 'OUTGOING',
}

registerEnumType(ContactStatus, { name: 'ContactStatus' });
registerEnumType(ContactDirection, {
  name: 'ContactDirection',
  description: 'Who started the relationship: OUTGOING when the owner of the entry invited (or blocked) the other person.',
});

@ObjectType({ description: "One of the viewer's own contact entries: the viewer's view of their relationship with `user`." })
export class Contact {
  @Field(() => ID)
  id!: number;

  @Field(() => User, { description: 'The other person.' })
  user!: User;

  @Field(() => ContactStatus)
  status!: ContactStatus;

  @Field(() => ContactDirection)
  direction!: ContactDirection;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

registerEnumType(ContactEventKind, { name: 'ContactEventKind' });

@ObjectType({ description: "A change to one of the viewer's contact entries, made by the other person." })
export class ContactEvent {
  @Field(() => ContactEventKind)
  kind!: ContactEventKind;

  @Field(() => Contact, { description: "The viewer's entry as the change left it (as it was, when the change removed it)." })
  contact!: Contact;

  @Field(() => String, { description: 'Resume after this event with `contactUpdated(after:)`.' })
  cursor!: string;
}
