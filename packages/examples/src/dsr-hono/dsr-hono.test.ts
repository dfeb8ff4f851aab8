import { describeDsrExample } from "../shared/dsr-example-suite";
import { serveHono } from "./server";

describeDsrExample("hono", serveHono);
