import { useEffect, useState } from 'react';
import { ApolloProvider, useApolloClient, useSubscription } from '@apollo/client/react';
import { applyContactEvent } from '../apollo/cache-updates';
import { connect, type Connection } from '../apollo/client';
import { ChatLogSync } from '../apollo/sync';
import { applyTyping } from '../apollo/typing';
import { ContactUpdatedDocument, TypingDocument, type UserFieldsFragment } from '../gql/graphql';
import { Layout } from './Layout';

/** A signed-in user's connection, kept in step with the server for as long as it is open. */
export function Session({ viewer }: { viewer: UserFieldsFragment }) {
  const [connection, setConnection] = useState<Connection | null>(null);

  useEffect(() => {
    const opened = connect();
    const sync = new ChatLogSync(opened.client, opened.ws, viewer.id);
    let live = true;
    void sync.start().then(() => live && setConnection(opened));
    return () => {
      live = false;
      sync.stop();
      opened.dispose();
      setConnection(null);
    };
  }, [viewer.id]);

  if (!connection) return <div className="splash">Connecting…</div>;
  return (
    <ApolloProvider client={connection.client}>
      <Feeds />
      <Layout viewer={viewer} />
    </ApolloProvider>
  );
}

/** The subscriptions outside the chat log: typing (ephemeral) and contact changes. */
function Feeds() {
  const client = useApolloClient();
  useSubscription(TypingDocument, { onData: ({ data }) => data.data && applyTyping(data.data.typing) });
  useSubscription(ContactUpdatedDocument, { onData: ({ data }) => data.data && applyContactEvent(client.cache, data.data.contactUpdated) });
  return null;
}
