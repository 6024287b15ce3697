/**
 * The password process: argon2id hashing and verification, asked for over IPC by the server
 * (password-hasher.ts). It runs at a lower CPU priority than the server, so that a burst of
 * logins uses the CPU the server leaves idle instead of taking it from deliveries and requests.
 */
import argon2 from 'argon2';
import type { HasherReply, HasherRequest } from './password-hasher.js';

const reply = (message: HasherReply) => process.send!(message);

process.on('message', (request: HasherRequest) => {
  const work = request.op === 'hash' ? argon2.hash(request.password, request.options) : argon2.verify(request.hash, request.password);
  work.then(
    (value: string | boolean) => reply({ id: request.id, value }),
    (err: unknown) => reply({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
// The server is gone (ended or killed): so is its password process.
process.on('disconnect', () => process.exit(0));
