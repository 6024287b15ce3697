import type { Socket } from 'node:net';

/**
 * One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) whose content is `head`
 * followed by `body`, written straight onto the TCP socket in one buffer. A result shared by many
 * subscribers is encoded once; each socket's frame is a copy of bytes, one write to the stream.
 *
 * Safe beside `ws`'s own sends only while `ws` writes each frame whole and at once, which it
 * does without permessage-deflate (not enabled here) and without Blob data (never sent here).
 */
export function writeTextFrame(tcp: Socket, head: Buffer, body: Buffer): void {
  const length = head.length + body.length;
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const start = 2 + lengthBytes;
  const frame = Buffer.allocUnsafe(start + length);
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
  head.copy(frame, start);
  body.copy(frame, start + head.length);
  tcp.write(frame);
}
