import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../users/user.type.js';
import { PresenceStatus } from './presence.model.js';

registerEnumType(PresenceStatus, {
  name: 'PresenceStatus',
  valuesConfig: {
    ONLINE: { description: 'A socket of the user is open (on any server).' },
    AWAY: { description: 'Connected, and said so with `setAway(true)`.' },
    OFFLINE: { description: 'No socket open for a short grace period (reconnects do not count).' },
  },
});

@ObjectType({ description: "Whether a user is connected; who may see it is the user's `lastSeen` setting." })
export class Presence {
  @Field(() => PresenceStatus)
  status!: PresenceStatus;

  @Field(() => Date, { nullable: true, description: 'While OFFLINE: when the user was last connected (null if never). Null while connected.' })
  lastSeenAt!: Date | null;
}

@ObjectType({ description: 'A contact or chat co-member came online, went away or went offline.' })
export class PresenceEvent {
  @Field(() => User)
  user!: User;

  @Field(() => Presence)
  presence!: Presence;
}
