import type { TestProject } from 'vitest/node';
import { startNatsServer } from './nats.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's nats-server in the "nats" project, whose servers use EVENT_BUS=nats. */
    natsUrl?: string;
  }
}

/** The "nats" project's own nats-server (JetStream on, a throwaway store), for the whole run. */
export default async function setup(project: TestProject) {
  const nats = await startNatsServer();
  project.provide('natsUrl', nats.url);
  return () => nats.dispose();
}
