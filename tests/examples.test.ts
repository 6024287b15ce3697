import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCodegenConfig } from '../examples/client/codegen.js';
import { startServer, type TestServer } from './helpers/server.js';

const root = path.resolve(import.meta.dirname, '..');
const committed = path.join(root, 'examples/client/src/gql');
const run = promisify(execFile);

/** Runs a Node CLI from node_modules without blocking the event loop (the test server lives in this process). */
function node(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

describe('typed client example (examples/client)', () => {
  it('has generated code that matches schema.graphql and its operations (run `npm run example:codegen`)', async () => {
    const outDir = path.join(os.tmpdir(), 'parley-codegen-check');
    // Typed by hand: the declared return type includes `any` for watch mode.
    const outputs: { filename: string; content: string }[] = await generate(clientCodegenConfig(outDir), false);
    const generated = Object.fromEntries(outputs.map((o) => [path.relative(outDir, o.filename), o.content]));
    const onDisk = Object.fromEntries(readdirSync(committed).map((f) => [f, readFileSync(path.join(committed, f), 'utf8')]));
    expect(Object.keys(generated).sort()).toEqual(Object.keys(onDisk).sort());
    for (const [file, content] of Object.entries(generated)) expect(onDisk[file], file).toBe(content);
  }, 90_000);

  it('type-checks against the generated documents', async () => {
    const tsc = await node(['node_modules/typescript/bin/tsc', '-p', 'examples/client/tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 90_000);

  describe('against a running server', () => {
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startServer();
    });
    afterAll(() => srv?.stop());

    it('runs end to end: register, login, subscribe, send, receive, query', async () => {
      const result = await node(['node_modules/tsx/dist/cli.mjs', 'examples/client/src/main.ts'], { PARLEY_URL: srv.url });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Received via subscription: "Hi Ben, good to see you here." from Ana');
      expect(result.stdout).toMatch(/History of chat \d+ \(2 messages/);
      expect(result.stdout).toContain('Search "good to" se: 1 found\n  Ana: Hi Ben, <mark>good</mark> <mark>to</mark> <mark>see</mark> you here.');
    }, 90_000);
  });
});
