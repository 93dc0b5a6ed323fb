# An image of ebb with a project in it (this repository is the demo project): `ebb serve` as an
# unprivileged user, the state on a volume. Build: docker build -t my-pipeline .
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY lib ./lib
COPY scripts ./scripts
# The package's own build: tsc, the catalog's .star libraries copied beside the compiled
# code (load("@ebb/NAME.star") reads them from dist/lib/catalog), then the CLI and the worker
# bundled by esbuild (scripts/bundle.mjs), each into one file over what tsc wrote.
RUN npm ci && npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed (DuckDB's node-api ships its binary in a registry package).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
# The project: models, destination libraries, the demo's Parquet snapshot, the project file.
COPY models ./models
COPY destinations ./destinations
COPY warehouse ./warehouse
COPY ebb.yaml* ./
RUN mkdir -p /app/state && chown node:node /app/state
USER node
VOLUME ["/app/state"]
EXPOSE 8420
ENTRYPOINT ["node", "/app/dist/bin/ebb.js"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8420"]
