import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where `npm run web:dev` sends API calls: a Parley started with `npm start`. */
const api = process.env.PARLEY_URL ?? 'http://localhost:4000';

/**
 * Parley serves the build at /app (src/http/web-app.ts); `npm run web:dev` serves the sources
 * with hot reload and forwards /graphql (HTTP and WebSocket) to a running Parley.
 */
export default defineConfig({
  root: here,
  base: '/app/',
  plugins: [react()],
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/graphql': { target: api, ws: true } } },
});
