import { useSyncExternalStore } from 'react';
import { getAuth, onAuthChange } from '../apollo/auth';
import { AuthScreen } from './AuthScreen';
import { Session } from './Session';

export function App() {
  const auth = useSyncExternalStore(onAuthChange, getAuth);
  // A new Session (client, cache, socket) per signed-in user: nothing of one account leaks into the next.
  return auth ? <Session key={auth.user.id} viewer={auth.user} /> : <AuthScreen />;
}
