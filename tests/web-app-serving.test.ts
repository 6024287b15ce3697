import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPolicy, serveWebApp } from '../src/http/web-app.js';

/** The /app handler over real HTTP, on a build directory the test writes (or leaves empty). */
async function serve(dir: string, policy?: string) {
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (!(await serveWebApp(pathname, res, { dir, policy }))) res.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { get: (p: string) => fetch(base + p, { redirect: 'manual' }), close: () => server.close() };
}

describe('/app: the built web app', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'parley-web-'));
  const built = path.join(root, 'built');
  const empty = path.join(root, 'empty');
  let app: Awaited<ReturnType<typeof serve>>;
  let unbuilt: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    mkdirSync(path.join(built, 'assets'), { recursive: true });
    mkdirSync(empty);
    writeFileSync(path.join(built, 'index.html'), '<!doctype html><script type="module" src="/app/assets/index-Ab12.js"></script>');
    writeFileSync(path.join(built, 'assets/index-Ab12.js'), 'console.log(1)');
    writeFileSync(path.join(built, 'secret.txt'), 'not an asset');
    [app, unbuilt] = await Promise.all([serve(built), serve(empty)]);
  });
  afterAll(() => {
    app?.close();
    unbuilt?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the page under /app/ (any path below it), with a policy that keeps it to its own origin', async () => {
    const redirect = await app.get('/app');
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/app/']);
    for (const p of ['/app/', '/app/chats/12']) {
      const res = await app.get(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('/app/assets/index-Ab12.js');
    }
  });

  it('lets the page send uploads to PUBLIC_URL and to the bucket, and connect nowhere else', async () => {
    const connectSrc = (policy: string) => policy.split('; ').find((d) => d.startsWith('connect-src'));
    expect(connectSrc((await app.get('/app/')).headers.get('content-security-policy')!)).toBe("connect-src 'self' ws: wss:");
    const s3 = { endpoint: 'https://files.example.com:9000/ignored/path', bucket: 'b', region: 'r', credentials: undefined, forcePathStyle: true };
    const policy = appPolicy({ storage: 's3', s3, publicUrl: 'https://chat.example.com/base' });
    const withBucket = await serve(built, policy);
    try {
      const served = (await withBucket.get('/app/')).headers.get('content-security-policy')!;
      expect(connectSrc(served)).toBe("connect-src 'self' ws: wss: https://chat.example.com https://files.example.com:9000");
      expect(served).toContain("script-src 'self'");
    } finally {
      withBucket.close();
    }
    // Amazon's own S3 (no endpoint set) answers on its regional hosts.
    expect(connectSrc(appPolicy({ storage: 's3', s3: { ...s3, endpoint: undefined }, publicUrl: undefined }))).toBe("connect-src 'self' ws: wss: https://*.amazonaws.com");
  });

  it('serves hashed assets with long caching, and nothing else from the directory', async () => {
    const asset = await app.get('/app/assets/index-Ab12.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    for (const p of ['/app/assets/missing-1.js', '/app/assets/..%2Fsecret.txt', '/app/assets/index-Ab12.exe']) {
      expect((await app.get(p)).status, p).toBe(404);
    }
    // Other paths are the page, whatever they name (dot segments are resolved before this handler).
    for (const p of ['/app/secret.txt', '/app/assets/%2e%2e/secret.txt']) expect(await (await app.get(p)).text(), p).not.toContain('not an asset');
    expect((await app.get('/application')).status).toBe(418); // not ours
  });

  it('says how to build it when it has not been built', async () => {
    const res = await unbuilt.get('/app/');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('npm run web:build');
  });
});
