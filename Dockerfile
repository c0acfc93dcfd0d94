# syntax=docker/dockerfile:1
# Cadre as a container: `docker build --build-arg CADRE_COMMIT=$(git rev-parse HEAD) -t cadre .`
# Runs the production launcher directly (`node scripts/start.mjs`: no npm, no TypeScript loader), as a non-root
# user, with the build carried in the image (CADRE_BUILD=never: a mismatch refuses instead of building).
# See docs/operations.md (Docker) and docker-compose.yml.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- dependencies (all of them: the build needs the dev ones) ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
# the postinstall step generates the Prisma client from the schema
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.mjs ./scripts/prisma-generate.mjs
RUN npm ci --no-audit --no-fund

# ---- build: Next's production build, the compiled launcher and the build stamp ----
FROM deps AS build
ARG CADRE_COMMIT=unknown
ENV CADRE_COMMIT=${CADRE_COMMIT}
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .next/cache

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    CADRE_BUILD=never \
    CADRE_DATA_DIR=/data \
    HOSTNAME=0.0.0.0 \
    PORT=3000
COPY --from=build --chown=node:node /app/package.json /app/next.config.ts ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/.next ./.next
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --from=build --chown=node:node /app/scripts/start.mjs /app/scripts/build-info.mjs ./scripts/
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# the launcher drains for CADRE_SHUTDOWN_GRACE_SECONDS (default 25) after SIGTERM: give `docker stop` more (-t 35)
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "scripts/start.mjs"]
