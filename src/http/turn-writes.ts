import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Frames a socket is sent in one turn of the event loop leave in one write. A batch of log
 * entries reaches each subscriber as several frames; written one by one, every frame is a
 * syscall of its own and, on loopback or a busy host, a wake-up of the reader. Corked until the
 * turn's promise jobs have run, they go out together, as soon as the turn ends: nothing waits.
 */
export class TurnWrites {
  private corked: Socket[] = [];
  private scheduled = false;

  /** Holds the socket's writes until the end of this turn (once per socket and turn). */
  hold(socket: WebSocket): void {
    // `ws` keeps the TCP socket it frames onto here; it is not part of its typed API.
    const tcp = (socket as unknown as { _socket?: Socket })._socket;
    // Corked outside `ws`'s own send means corked here, this turn.
    if (!tcp || tcp.writableCorked) return;
    tcp.cork();
    this.corked.push(tcp);
    if (!this.scheduled) {
      this.scheduled = true;
      // A tick queued from a promise job runs once every job queued so far has run.
      process.nextTick(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const sockets = this.corked;
    this.corked = [];
    for (const tcp of sockets) tcp.uncork();
  };
}
