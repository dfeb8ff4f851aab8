/**
 * `pnpm example:dsr-fastify` — the DSR handler mounted in Fastify under `/api/dsr`: a person
 * reads their report and asks for erasure, the DPO executes it, and the refusals (someone
 * else's data, a wrong method, no credentials, a body over the limit) come back in the
 * handler's JSON envelope.
 */
import { printWalk, runDsrExample } from "../shared/dsr-walkthrough";
import { serveFastify } from "./server";

printWalk("Fastify", await runDsrExample(serveFastify, (line) => console.log(`  ${line}`)));
