FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY tsconfig.json drizzle.config.ts schema.graphql ./
COPY drizzle ./drizzle
COPY src ./src
# Local file storage (STORAGE=local) and generated secrets live here: mount a volume on it.
ENV DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
CMD ["npx", "tsx", "src/main.ts"]
