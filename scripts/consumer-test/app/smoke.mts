/** ESM smoke test: the packages loaded with `import`. Usage: node smoke.mjs <dir> */
import * as sqlite from "@daicho/adapters/sqlite";
import * as sqliteKeys from "@daicho/adapters/sqlite-keys";
import * as core from "@daicho/core";
import { runScenario } from "./scenario.mjs";

await runScenario({ core, sqlite, sqliteKeys }, process.argv[2] ?? ".", "esm");
