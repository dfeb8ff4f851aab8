/**
 * The runnable steps of docs/getting-started.md, in order: every fenced block whose info
 * string is `sh app` (commands run in the app's folder) or `ts file=NAME` (a file saved
 * in the app's folder). Other blocks (`sh` alone: commands in the clone, or for once the
 * packages are published) are prose. Nothing is rewritten: the test runs what a reader
 * copies.
 */
const FENCE = /^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;

/** @returns {({ kind: "sh", text: string, lines: number } | { kind: "file", file: string, text: string })[]} */
export function guideSteps(markdown) {
  const steps = [];
  for (const [, info, text] of markdown.matchAll(FENCE)) {
    const words = info.trim().split(/\s+/);
    if (words[0] === "sh" && words[1] === "app") {
      steps.push({ kind: "sh", text, lines: text.trim().split("\n").length });
    } else if (words[0] === "ts" && words[1]?.startsWith("file=")) {
      const file = words[1].slice("file=".length);
      if (!/^[\w.-]+$/.test(file))
        throw new Error(`guide block file=${file}: a plain file name, please`);
      steps.push({ kind: "file", file, text });
    }
  }
  const files = steps.filter((s) => s.kind === "file");
  if (files.length === 0 || steps.length < 3) {
    throw new Error("docs/getting-started.md has no runnable `sh app` / `ts file=` blocks");
  }
  return steps;
}
