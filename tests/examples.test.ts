import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCodegenConfig } from '../examples/client/codegen.js';
import { webCodegenConfig } from '../examples/web/codegen.js';
import { startServer, type TestServer } from './helpers/server.js';

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** Runs a Node CLI from node_modules without blocking the event loop (the test server lives in this process). */
function node(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

/** Generates into a scratch directory and compares with the committed files, file by file. */
async function expectCommittedCodegen(config: (outDir: string) => Parameters<typeof generate>[0], committed: string, scratch: string) {
  const outDir = path.join(os.tmpdir(), scratch);
  // Typed by hand: the declared return type includes `any` for watch mode.
  const outputs: { filename: string; content: string }[] = await generate(config(outDir), false);
  const generated = Object.fromEntries(outputs.map((o) => [path.relative(outDir, o.filename), o.content]));
  const onDisk = Object.fromEntries(readdirSync(committed).map((f) => [f, readFileSync(path.join(committed, f), 'utf8')]));
  expect(Object.keys(generated).sort()).toEqual(Object.keys(onDisk).sort());
  for (const [file, content] of Object.entries(generated)) expect(onDisk[file], file).toBe(content);
}

async function expectTypeChecks(project: string) {
  const tsc = await node(['node_modules/typescript/bin/tsc', '-p', project]);
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.code).toBe(0);
}

describe('web app (examples/web)', () => {
  it('has generated code that matches schema.graphql and its operations (run `npm run web:codegen`)', async () => {
    await expectCommittedCodegen(webCodegenConfig, path.join(root, 'examples/web/src/gql'), 'parley-web-codegen-check');
  }, 90_000);

  it('type-checks against the generated documents', async () => {
    await expectTypeChecks('examples/web/tsconfig.json');
  }, 90_000);
});

describe('typed client example (examples/client)', () => {
  it('has generated code that matches schema.graphql and its operations (run `npm run example:codegen`)', async () => {
    await expectCommittedCodegen(clientCodegenConfig, path.join(root, 'examples/client/src/gql'), 'parley-codegen-check');
  }, 90_000);

  it('type-checks against the generated documents', async () => {
    await expectTypeChecks('examples/client/tsconfig.json');
  }, 90_000);

  describe('against a running server', () => {
    let srv: TestServer;
    beforeAll(async () => {
      srv = await startServer();
    });
    afterAll(() => srv?.stop());

    it('runs end to end: register, login, subscribe, send, receive, send a file, query, download', async () => {
      const result = await node(['node_modules/tsx/dist/cli.mjs', 'examples/client/src/main.ts'], { PARLEY_URL: srv.url });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Received via subscription: "Hi Ben, good to see you here." from Ana');
      expect(result.stdout).toContain('Ben reacted: 👍 1');
      expect(result.stdout).toMatch(/History of chat \d+ \(3 messages/);
      expect(result.stdout).toMatch(/Ana: Hi Ben, good to see you here\. \(answering "Hi Ana!"\) 👍1/);
      expect(result.stdout).toContain('Ana: notes.txt (text/plain, 27 bytes)');
      expect(result.stdout).toContain('Downloaded notes.txt: the same bytes');
      expect(result.stdout).toContain('Search "good to" se: 1 found\n  Ana: Hi Ben, <mark>good</mark> <mark>to</mark> <mark>see</mark> you here.');
    }, 90_000);
  });
});
