import { useEffect, useState } from 'react';
import { useMutation, useQuery, useReactiveVar } from '@apollo/client/react';
import { getAuth, setAuth } from '../apollo/auth';
import { connectionVar } from '../apollo/connection';
import { ContactsDocument, LogoutDocument, type UserFieldsFragment } from '../gql/graphql';
import { Avatar } from './Avatar';
import { ChatList } from './ChatList';
import { ChatPane } from './ChatPane';
import { ContactsPanel } from './ContactsPanel';
import { fullName } from './format';
import { openChat, useOpenChatId } from './route';
import { useUnreadTotal } from './useUnreadTotal';

export function Layout({ viewer }: { viewer: UserFieldsFragment }) {
  const [tab, setTab] = useState<'chats' | 'contacts'>('chats');
  const chatId = useOpenChatId();
  const total = useUnreadTotal();
  const connection = useReactiveVar(connectionVar);
  const { data: contacts } = useQuery(ContactsDocument);
  const invitations = contacts?.contacts.filter((c) => c.status === 'PENDING' && c.direction === 'INCOMING').length ?? 0;
  const [logout] = useMutation(LogoutDocument);

  useEffect(() => {
    document.title = total ? `(${total}) Parley` : 'Parley';
  }, [total]);

  async function signOut() {
    await logout({ variables: { refreshToken: getAuth()?.refreshToken } }).catch(() => undefined);
    openChat(null);
    setAuth(null);
  }

  return (
    <div className={`layout ${chatId ? 'has-chat' : ''}`}>
      <aside className="sidebar">
        <header className="sidebar-header">
          <div className="brand">
            <span className="brand-mark">P</span> Parley
            {total > 0 && (
              <span className="pill" data-testid="unread-total" title="Unread messages">
                {total}
              </span>
            )}
          </div>
          <button className="icon-button" onClick={signOut} title="Sign out">
            Sign out
          </button>
        </header>
        <div className="me">
          <Avatar user={viewer} size={32} />
          <span>{fullName(viewer)}</span>
        </div>
        {connection === 'reconnecting' && (
          <div className="banner" role="status">
            Reconnecting… messages will catch up.
          </div>
        )}
        <nav className="tabs" role="tablist">
          <button role="tab" aria-selected={tab === 'chats'} onClick={() => setTab('chats')}>
            Chats
          </button>
          <button role="tab" aria-selected={tab === 'contacts'} onClick={() => setTab('contacts')}>
            Contacts {invitations > 0 && <span className="badge">{invitations}</span>}
          </button>
        </nav>
        {tab === 'chats' ? <ChatList viewerId={viewer.id} openId={chatId} /> : <ContactsPanel onOpen={(id) => (setTab('chats'), openChat(id))} />}
      </aside>
      <main className="main">{chatId ? <ChatPane key={chatId} chatId={chatId} viewerId={viewer.id} /> : <Welcome />}</main>
    </div>
  );
}

function Welcome() {
  return (
    <div className="empty">
      <h2>Pick a chat</h2>
      <p className="muted">Or find people under Contacts, invite them, and start talking.</p>
    </div>
  );
}
