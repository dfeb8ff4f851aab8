import { defineConfig } from "tsup";

// The handler reads its page from `./assets/` next to the bundle; the build script copies
// `src/assets` to `dist/assets`, so the same relative path works from sources and from dist.
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: [/^@daicho\//],
});
