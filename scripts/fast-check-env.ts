/**
 * Vitest setup: lets a property-test failure be replayed and a property be stressed
 * without editing it. `FC_SEED=<n>` fixes fast-check's seed for every property;
 * `FC_NUM_RUNS=<n>` sets the run count of properties that do not set their own.
 * Unset (as in CI), fast-check's defaults apply: a fresh seed each run.
 */
import fc from "fast-check";

const seed = process.env.FC_SEED;
const runs = process.env.FC_NUM_RUNS;
fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  ...(seed !== undefined && seed !== "" ? { seed: Number(seed) } : {}),
  ...(runs !== undefined && runs !== "" ? { numRuns: Number(runs) } : {}),
});
