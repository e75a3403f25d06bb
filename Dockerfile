# BizInsights Jobs: one image for `npm start` (the default) and `npm run worker` (compose.yaml's worker).
# Built by CI elsewhere (no Docker engine on the development machines): docker build -t bizinsights-jobs .

# --- build: the console (vite) and the server (tsc) into dist/ ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# --- runtime: production dependencies and dist/ only, no sources, no dev tools ---
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The image's own non-root user; DATA_DIR must be writable by it (SQLite when no DATABASE_URL, secrets).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Liveness only: /livez never depends on Redis, so an outage the process rides out does not mark it unhealthy.
# node's fetch, since slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT||3000}/livez`,{signal:AbortSignal.timeout(4000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself, not npm: SIGTERM from `docker stop` reaches the process, which drains the workers within
# SHUTDOWN_TIMEOUT_MS (give the container a longer stop timeout, e.g. docker stop -t 40). Run with --init
# (compose.yaml: init: true) so a signal that comes while it is still starting stops it too.
CMD ["node", "dist/server/main.js"]
