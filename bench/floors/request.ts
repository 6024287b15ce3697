import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What the floors read of a request: its body, and who sends it. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The floors' token check: the HS256 signature and the claims Parley checks, nothing more. */
export function viewerOf(header: string | undefined, secret: string): number | null {
  const token = header?.replace(/^Bearer\s+/i, '') ?? '';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return null;
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { sub: string; exp: number; iss: string; aud: string };
  if (claims.iss !== 'parley' || claims.aud !== 'parley' || claims.exp <= Date.now() / 1000) return null;
  return Number(claims.sub);
}
