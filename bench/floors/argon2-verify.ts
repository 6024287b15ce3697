/**
 * The password floor: argon2id verifications at Parley's parameters, `concurrency` at a time,
 * with nothing else in the process; what this machine's cores and libuv's thread pool allow.
 */
import argon2 from 'argon2';
import { closedLoop } from '../lib/http.js';
import { serve } from '../lib/proc.js';

serve({
  async verify(params: { memoryKib: number; timeCost: number; parallelism: number }, concurrency: number, window: { warmupMs: number; windowMs: number }) {
    const hash = await argon2.hash('bench-password-123', { type: argon2.argon2id, memoryCost: params.memoryKib, timeCost: params.timeCost, parallelism: params.parallelism });
    return closedLoop(concurrency, window, () => argon2.verify(hash, 'bench-password-123'));
  },
});
