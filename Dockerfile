# The image of one service, multi-stage: every service is built from this one file.
#   docker build --build-arg SERVICE=catalog -t concert/catalog .
# (docker-compose.yml passes SERVICE for each service.) One file keeps one way to build. Every
# image listens on PORT (8000 unless built or run with another): each container has its own ports.
ARG SERVICE
ARG PORT=8000

FROM node:20-bookworm-slim AS build
ARG SERVICE
ENV CI=true TURBO_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
WORKDIR /repo
COPY package.json package-lock.json turbo.json tsconfig.base.json ./
COPY scripts/ scripts/
COPY libs/ libs/
COPY services/${SERVICE}/ services/${SERVICE}/
# The image's npm 10 would run install scripts; npm 11 (the repo's) does not and nothing needs them.
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN node_modules/.bin/turbo run build --filter=@concert/${SERVICE}...
# Stage the runtime tree in /out: the lockfile, then for the service and every workspace package it
# needs at run time (its "dependencies", recursively, not devDependencies) the package.json, dist/
# and, for the service, prisma/ (it applies its migrations at start). `npm ci` installs for every
# workspace present, so leaving the others out is what keeps test-only packages out of the image.
# --omit=optional as well: @prisma/client's optional peer makes the prisma CLI and typescript
# "devOptional", which --omit=dev alone keeps. No runtime dependency is optional today.
RUN node -e ' \
      const fs = require("fs"); \
      const dirs = {}; \
      for (const dir of ["libs", "services"].flatMap((p) => fs.readdirSync(p).map((n) => `${p}/${n}`))) \
        if (fs.existsSync(`${dir}/package.json`)) dirs[require(`./${dir}/package.json`).name] = dir; \
      const stage = (name) => { \
        const dir = dirs[name]; \
        if (!dir || fs.existsSync(`/out/${dir}`)) return; \
        for (const part of ["package.json", "dist", "prisma"]) \
          if (fs.existsSync(`${dir}/${part}`)) fs.cpSync(`${dir}/${part}`, `/out/${dir}/${part}`, { recursive: true }); \
        Object.keys(require(`./${dir}/package.json`).dependencies ?? {}).forEach(stage); \
      }; \
      stage(process.argv[1]); \
      for (const file of ["package.json", "package-lock.json"]) fs.copyFileSync(file, `/out/${file}`); \
    ' "@concert/${SERVICE}" \
 && cd /out && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ARG SERVICE
ARG PORT
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${PORT}
# Two glibc malloc arenas instead of one per allocating thread, and a trim threshold that the large
# frees of a start do not raise: 30-50 MB less idle RSS (docs/BENCHMARKS.md, "Idle memory").
ENV MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072
COPY --from=build /out /app
# Where compose mounts the shared dev-keys volume: a fresh named volume takes this owner.
RUN install -d -o node -g node /keys
WORKDIR /app/services/${SERVICE}
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
