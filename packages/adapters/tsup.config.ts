import { defineConfig } from "tsup";

// One entry per subpath export; keep in step with package.json "exports".
export default defineConfig({
  entry: {
    "sqlite/index": "src/sqlite/index.ts",
    "sqlite-keys/index": "src/sqlite-keys/index.ts",
    "http/index": "src/http/index.ts",
    "http/express/index": "src/http/express/index.ts",
    "http/fastify/index": "src/http/fastify/index.ts",
    "postgres/index": "src/postgres/index.ts",
    "postgres/harness/index": "src/postgres/harness/index.ts",
    "kurrentdb/index": "src/kurrentdb/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: [
    /^@daicho\//,
    "better-sqlite3",
    "pg",
    "@kurrent/kurrentdb-client",
    "express",
    "fastify",
  ],
});
