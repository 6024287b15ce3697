import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { S3Config } from '../../src/config.js';

export interface TestS3 {
  config: S3Config;
  stop(): Promise<void>;
}

/**
 * An S3-compatible server in this process (s3rver, files in a temporary directory) with one
 * bucket. It speaks the protocol, presigned URLs and their expiry included; it does not check
 * signatures, so what a real bucket refuses by signature (another length or type than signed)
 * reaches Parley's own checks here.
 */
export async function startS3(bucket = 'parley-test'): Promise<TestS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'parley-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    config: {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    },
    async stop() {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
