import type { Socket } from 'node:net';

/**
 * One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) whose content is `head`
 * followed by `body`, written straight onto the TCP socket as two buffers: the frame header with
 * `head` copied in, and `body` as it is. A result shared by many subscribers is thus encoded
 * once and written to each socket without a copy; only its small per-subscription prefix is.
 *
 * Safe beside `ws`'s own sends only while `ws` writes each frame whole and at once, which it
 * does without permessage-deflate (not enabled here) and without Blob data (never sent here).
 */
export function writeTextFrame(tcp: Socket, head: Buffer, body: Buffer): void {
  const length = head.length + body.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + head.length);
  frame[0] = 0x81; // FIN, text
  if (lengthBytes === 0) {
    frame[1] = length;
  } else if (lengthBytes === 2) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  head.copy(frame, 2 + lengthBytes);
  tcp.write(frame);
  if (body.length) tcp.write(body);
}
