import { defineConfig } from "tsup";

// One entry per subpath export; keep in step with package.json "exports".
export default defineConfig({
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "merkle/index": "src/merkle/index.ts",
    "checkpoint/index": "src/checkpoint/index.ts",
    "bundle/index": "src/bundle/index.ts",
    "crypto/index": "src/crypto/index.ts",
    "keys/index": "src/keys/index.ts",
    "erasure/index": "src/erasure/index.ts",
    "subject-access/index": "src/subject-access/index.ts",
    "views/index": "src/views/index.ts",
    "policy/index": "src/policy/index.ts",
    "monitor/index": "src/monitor/index.ts",
    "reports/index": "src/reports/index.ts",
    "breach/index": "src/breach/index.ts",
    "map/index": "src/map/index.ts",
    "pseudonym/index": "src/pseudonym/index.ts",
    // Loaded by the parallel verifier as a worker thread (verify-parallel.ts), not imported.
    "verify-worker": "src/verify-worker.ts",
    // Loaded by the append pool as a worker thread (append-pool.ts), not imported.
    "append-worker": "src/append-worker.ts",
    "requests/index": "src/requests/index.ts",
    "incidents/index": "src/incidents/index.ts",
    "extract/index": "src/extract/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: ["vitest", "fast-check"],
});
