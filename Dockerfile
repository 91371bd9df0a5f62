# The Interflow image docker-compose.yml builds: the CLI with its compiled sources, run as `node`.
# Build stage: the full image has the compilers better-sqlite3 falls back to when no prebuilt binary fits.
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY wsdl ./wsdl
COPY console ./console
COPY examples ./examples
# Named volumes mounted here start with this owner, so the engine can write its generated keys.
RUN mkdir -p /var/lib/interflow && chown node:node /var/lib/interflow
USER node
EXPOSE 8080
CMD ["node", "bin/interflow.js", "serve", "--host", "0.0.0.0"]
