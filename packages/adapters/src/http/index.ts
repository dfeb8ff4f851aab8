/**
 * @daicho/adapters/http — a framework-neutral handler (web `Request` → `Response`) for
 * data-subject access and erasure requests, with host-supplied authentication.
 *
 * @module @daicho/adapters/http
 */
export { type DsrAction, type DsrHandlerOptions, dsrHandler, type Principal } from "./handler";
