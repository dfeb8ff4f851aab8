/**
 * @daicho/adapters/http — a framework-neutral handler (web `Request` → `Response`) for
 * data-subject access and erasure requests, with host-supplied authentication.
 *
 * @module @daicho/adapters/http
 */
export type { Authorize, Principal } from "./authorization";
// Building blocks for other web-standard handlers (`@daicho/console`): the same JSON body
// limits, content-type rule and error envelope as the DSR handler.
export { readJsonObject, requireJsonContentType } from "./body";
export { errorResponse, HttpRefusal, type HttpRefusalCode, json } from "./errors";
export {
  DEFAULT_CHANNELS,
  type DsrHandler,
  type DsrHandlerOptions,
  dsrHandler,
} from "./handler";
export { type DsrAction, SELF_SERVICE } from "./routes";
