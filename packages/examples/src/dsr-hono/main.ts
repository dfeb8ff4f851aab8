/**
 * `pnpm example:dsr-hono` — the DSR handler mounted in Hono under `/api/dsr`: a person
 * reads their report and asks for erasure, the DPO executes it, and the refusals (someone
 * else's data, a wrong method, no credentials, a body over the limit) come back in the
 * handler's JSON envelope.
 */
import { printWalk, runDsrExample } from "../shared/dsr-walkthrough";
import { serveHono } from "./server";

printWalk("Hono", await runDsrExample(serveHono, (line) => console.log(`  ${line}`)));
