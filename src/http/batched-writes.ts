import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * A WebSocket's frames of one turn of the event loop go out together, in one write at the end
 * of the turn. A batch of the chat log reaches each subscriber through its own chain of
 * promises, so without this the writes of one hand-out are spread over the turn, between other
 * work, and each costs a system call that also wakes the reading side: the larger part of a
 * delivery's cost. Held until the turn ends (`setImmediate`, after every promise of the turn),
 * they are written one after another, and several frames for one socket share a write. Order
 * is kept; a frame waits for the rest of its turn at most. A socket holding more than
 * `holdBytes` goes out at once: a long replay in one turn must not look like a client that
 * stopped reading (the transport closes a socket whose unsent bytes pass its bound).
 */
const held = new Set<Socket>();
let releasing = false;

export function sendInTurn(socket: WebSocket, data: string, holdBytes: number): void {
  // ws's TCP socket (absent once the WebSocket is closing, when ws.send reports it).
  const raw = (socket as unknown as { _socket?: Socket })._socket;
  if (raw && !raw.destroyed && !held.has(raw)) {
    raw.cork();
    held.add(raw);
    if (!releasing) {
      releasing = true;
      setImmediate(release);
    }
  }
  socket.send(data);
  if (raw && held.has(raw) && raw.writableLength > holdBytes) {
    held.delete(raw);
    raw.uncork();
  }
}

function release(): void {
  releasing = false;
  for (const raw of held) raw.uncork();
  held.clear();
}
