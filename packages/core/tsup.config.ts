import { defineConfig } from "tsup";

// One entry per subpath export; keep in step with package.json "exports".
export default defineConfig({
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: ["vitest", "fast-check"],
});
