/**
 * CommonJS smoke test: the packages loaded with `require` (Node.js 20.19+ loads their ES
 * modules synchronously). Usage: node smoke.cjs <dir>
 */
import sqlite = require("@daicho/adapters/sqlite");
import sqliteKeys = require("@daicho/adapters/sqlite-keys");
import core = require("@daicho/core");
import scenario = require("./scenario.mjs");

if (typeof require !== "function" || typeof module !== "object") {
  throw new Error("smoke.cjs must run as a CommonJS module");
}
scenario.runScenario({ core, sqlite, sqliteKeys }, process.argv[2] ?? ".", "cjs").catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
