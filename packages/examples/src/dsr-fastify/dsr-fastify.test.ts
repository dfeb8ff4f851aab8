import { describeDsrExample } from "../shared/dsr-example-suite";
import { serveFastify } from "./server";

describeDsrExample("fastify", serveFastify);
