import { makeVar } from '@apollo/client';

/** The WebSocket's state, for the banner that says the app is catching up. */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting';
export const connectionVar = makeVar<ConnectionState>('connecting');
