/**
 * `pnpm example:dsr-express` — the DSR handler mounted in Express under `/api/dsr`: a person
 * reads their report and asks for erasure, the DPO executes it, and the refusals (someone
 * else's data, a wrong method, no credentials, a body over the limit) come back in the
 * handler's JSON envelope.
 */
import { printWalk, runDsrExample } from "../shared/dsr-walkthrough";
import { serveExpress } from "./server";

printWalk("Express", await runDsrExample(serveExpress, (line) => console.log(`  ${line}`)));
