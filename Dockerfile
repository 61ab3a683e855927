# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The socketgate command (token, hash-password, loadtest) in the image too; no src/, so it runs dist/.
COPY --from=build --chown=node:node /app/bin ./bin
COPY --chown=node:node package.json ./
COPY --chown=node:node public ./public
COPY --chown=node:node admin-page ./admin-page
USER node
EXPOSE 3000
# Liveness only: readiness (/readyz) is for the load balancer, which must see a draining node go 503
# without the orchestrator restarting it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form), so the gateway drains before the container stops.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
