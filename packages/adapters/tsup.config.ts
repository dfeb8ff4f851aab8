import { defineConfig } from "tsup";

// One entry per subpath export; keep in step with package.json "exports".
export default defineConfig({
  entry: {
    "sqlite/index": "src/sqlite/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: [/^@daicho\//, "better-sqlite3", "pg", "@kurrent/kurrentdb-client"],
});
