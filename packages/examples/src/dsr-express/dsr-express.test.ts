import { describeDsrExample } from "../shared/dsr-example-suite";
import { serveExpress } from "./server";

describeDsrExample("express", serveExpress);
