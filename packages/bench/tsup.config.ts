import { defineConfig } from "tsup";

// Benchmarks run as plain Node on the built packages: running them through a TypeScript
// loader (tsx) slows pure-JS code such as @noble/hashes several-fold and skews ratios.
export default defineConfig({
  entry: {
    main: "src/main.ts",
    "sqlite-memory": "src/sqlite-memory.ts",
    "map-checkpoint-arm": "src/map-checkpoint-arm.ts",
    "checkpointer-child": "src/checkpointer-child.ts",
  },
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: [
    /^@daicho\//,
    /^@event-driven-io\//,
    "better-sqlite3",
    "pg",
    "@noble/hashes",
    "@noble/ciphers",
    /^@sigstore\//,
  ],
});
