/** @daicho/cli — the `daicho` command, callable in-process for tests and embedding.
 *
 * @module @daicho/cli
 */
export { main } from "./main";
export type { Io } from "./output";
