import { useDeferredValue, useState, type ReactNode } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { listChat, listContact } from '../apollo/cache-updates';
import {
  AcceptInvitationDocument,
  CancelInvitationDocument,
  ContactsDocument,
  CreateDirectChatDocument,
  DeclineInvitationDocument,
  SearchUsersDocument,
  SendInvitationDocument,
  type ContactFieldsFragment,
  type UserFieldsFragment,
} from '../gql/graphql';
import { Avatar } from './Avatar';
import { fullName } from './format';

/** Search people, invite them, answer invitations, and open a chat with a contact. */
export function ContactsPanel({ onOpen }: { onOpen: (chatId: string) => void }) {
  const [query, setQuery] = useState('');
  const search = useDeferredValue(query.trim());
  const { data } = useQuery(ContactsDocument);
  const entries = data?.contacts ?? [];
  const byUser = new Map(entries.map((c) => [c.user.id, c]));
  const incoming = entries.filter((c) => c.status === 'PENDING' && c.direction === 'INCOMING');
  const outgoing = entries.filter((c) => c.status === 'PENDING' && c.direction === 'OUTGOING');
  const accepted = entries.filter((c) => c.status === 'ACCEPTED');
  const actions = useContactActions(onOpen);

  return (
    <div className="contacts">
      <div className="pad">
        <input type="search" placeholder="Find people by name or email" aria-label="Find people" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {search.length >= 2 && <SearchResults query={search} byUser={byUser} actions={actions} />}
      {incoming.length > 0 && (
        <Section title="Invitations">
          {incoming.map((c) => (
            <Person key={c.id} user={c.user} testId="invitation">
              <button className="primary small" onClick={() => actions.accept(c.id)}>
                Accept
              </button>
              <button className="small" onClick={() => actions.decline(c.id)}>
                Decline
              </button>
            </Person>
          ))}
        </Section>
      )}
      {outgoing.length > 0 && (
        <Section title="Invited">
          {outgoing.map((c) => (
            <Person key={c.id} user={c.user}>
              <button className="small" onClick={() => actions.cancel(c.id)}>
                Cancel
              </button>
            </Person>
          ))}
        </Section>
      )}
      <Section title="Contacts">
        {accepted.length ? (
          accepted.map((c) => (
            <Person key={c.id} user={c.user} detail={c.user.email} testId="contact">
              <button className="primary small" onClick={() => actions.message(c.user.id)}>
                Message
              </button>
            </Person>
          ))
        ) : (
          <li className="muted pad">No contacts yet: search for someone and invite them.</li>
        )}
      </Section>
    </div>
  );
}

function SearchResults({ query, byUser, actions }: { query: string; byUser: Map<string, ContactFieldsFragment>; actions: ContactActions }) {
  const { data, loading } = useQuery(SearchUsersDocument, { variables: { query } });
  if (loading && !data) return <p className="muted pad">Searching…</p>;
  const users = data?.searchUsers ?? [];
  return (
    <Section title="People">
      {users.length === 0 && <li className="muted pad">Nobody found.</li>}
      {users.map((user) => {
        const entry = byUser.get(user.id);
        return (
          <Person key={user.id} user={user} testId="search-result">
            {!entry || entry.status === 'DECLINED' ? (
              <button className="primary small" onClick={() => actions.invite(user.id)}>
                Invite
              </button>
            ) : entry.status === 'ACCEPTED' ? (
              <button className="small" onClick={() => actions.message(user.id)}>
                Message
              </button>
            ) : entry.status === 'PENDING' && entry.direction === 'INCOMING' ? (
              <button className="primary small" onClick={() => actions.accept(entry.id)}>
                Accept
              </button>
            ) : (
              <span className="muted small">{entry.status === 'PENDING' ? 'Invited' : 'Blocked'}</span>
            )}
          </Person>
        );
      })}
    </Section>
  );
}

type ContactActions = ReturnType<typeof useContactActions>;

function useContactActions(onOpen: (chatId: string) => void) {
  const [sendInvitation] = useMutation(SendInvitationDocument, { update: (cache, { data }) => data && listContact(cache, data.sendInvitation) });
  // Accepting and declining change the entry's status: normalisation updates every list.
  const [acceptInvitation] = useMutation(AcceptInvitationDocument);
  const [declineInvitation] = useMutation(DeclineInvitationDocument);
  const [cancelInvitation] = useMutation(CancelInvitationDocument);
  const [createDirectChat] = useMutation(CreateDirectChatDocument, { update: (cache, { data }) => data && listChat(cache, data.createDirectChat) });
  return {
    invite: (userId: string) => sendInvitation({ variables: { userId } }),
    accept: (id: string) => acceptInvitation({ variables: { id } }),
    decline: (id: string) => declineInvitation({ variables: { id } }),
    cancel: (id: string) =>
      cancelInvitation({
        variables: { id },
        update: (cache) => {
          cache.evict({ id: cache.identify({ __typename: 'Contact', id }) });
          cache.gc();
        },
      }),
    async message(userId: string) {
      const { data } = await createDirectChat({ variables: { userId } });
      if (data) onOpen(data.createDirectChat.id);
    },
  };
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <h3 className="section-title">{title}</h3>
      <ul className="people">{children}</ul>
    </section>
  );
}

function Person({ user, detail, testId, children }: { user: UserFieldsFragment; detail?: string | null; testId?: string; children: ReactNode }) {
  return (
    <li className="person" data-testid={testId}>
      <Avatar user={user} size={36} />
      <span className="person-name">
        {fullName(user)}
        {detail && <span className="muted small">{detail}</span>}
      </span>
      <span className="person-actions">{children}</span>
    </li>
  );
}
