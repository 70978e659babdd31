# The service image used by docker-compose.yml: API and worker in one process (`npm start`), against an external
# PostgreSQL (DATABASE_URL) and Temporal (TEMPORAL_ADDRESS). Migrations are applied by the service at start
# (under a PostgreSQL advisory lock, so several replicas may start at once).
FROM node:20-slim

WORKDIR /app

# Dependencies first: a code change does not reinstall them. Dev dependencies are needed once, for
# `prisma generate`, and pruned after it. --ignore-scripts: as in development (npm 11 runs no install scripts
# unless allowed), nothing needs them; Prisma's would download query/schema engines the driver adapters
# make unnecessary.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY . .
RUN node scripts/prisma.js generate \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p data && chown node:node data

ENV NODE_ENV=production
USER node
EXPOSE 3000
# package.json's start script (`tsx src/main.ts`) without npm and sh in between: Docker (or tini) sends SIGTERM
# to one process only, and `npm start` hands it to `sh -c`, which dies without passing it on, so the service
# would be killed mid-shutdown instead of draining its worker. tsx passes SIGTERM to the service, which exits 0.
# test/e2e/start.test.ts runs this exact command and stops it this way.
# With TEMPORAL_ADDRESS and DATABASE_URL set it starts nothing embedded.
CMD ["node", "node_modules/.bin/tsx", "src/main.ts"]
