{
  "name": "@concert/__name__",
  "version": "0.1.0",
  "private": true,
  "type": "module",
  "exports": {
    ".": {
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    }
  },
  "scripts": {
    "generate": "node ../../scripts/prisma-generate.mjs",
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc --noEmit",
    "test": "vitest run",
    "start": "node dist/main.js",
    "dev": "tsx watch src/main.ts"
  },
  "dependencies": {
    "@concert/contracts": "0.1.0",
    "@concert/service-kit": "0.1.0",
    "@prisma/adapter-pg": "7.10.0",
    "@prisma/client": "7.10.0",
    "fastify": "^5.12.8",
    "zod": "^4.6.7"
  },
  "devDependencies": {
    "@concert/gateway": "0.1.0",
    "@concert/testing": "0.1.0",
    "prisma": "7.10.0"
  }
}
