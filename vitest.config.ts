import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources: each subpath export `@daicho/<pkg>/<name>`
// maps to `packages/<pkg>/src/<name>/index.ts`.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@daicho\/core$/, replacement: here("./packages/core/src/index.ts") },
      { find: /^@daicho\/core\/(.+)$/, replacement: here("./packages/core/src/$1/index.ts") },
      { find: /^@daicho\/console$/, replacement: here("./packages/console/src/index.ts") },
      {
        find: /^@daicho\/adapters\/(.+)$/,
        replacement: here("./packages/adapters/src/$1/index.ts"),
      },
    ],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // FC_SEED / FC_NUM_RUNS replay or stress property tests (scripts/fast-check-env.ts).
    setupFiles: [here("./scripts/fast-check-env.ts")],
  },
});
