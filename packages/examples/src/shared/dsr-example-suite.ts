/**
 * The tests every framework example runs (`dsr-<framework>.test.ts` is one call): the
 * `pnpm example:dsr-<framework>` script itself, in a child process, and the walk-through
 * in this process with every answer checked.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runDsrExample, type Serve } from "./dsr-walkthrough";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

export function describeDsrExample(framework: string, serve: Serve): void {
  describe(`example:dsr-${framework}`, () => {
    it(`runs \`pnpm example:dsr-${framework}\` to the end`, async () => {
      const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts;
      const script = `tsx packages/examples/src/dsr-${framework}/main.ts`;
      expect(scripts[`example:dsr-${framework}`]).toBe(script);
      const tsx = join(root, "node_modules/.bin/tsx");
      const { stdout } = await promisify(execFile)(tsx, script.split(" ").slice(1), {
        cwd: root,
      });
      for (const line of [
        "someone else's report: HTTP 403",
        "the person executing it: HTTP 403",
        "the DPO executing it: erased",
        "certificate signature valid: true",
        "DELETE on a GET route: HTTP 405, allow: GET",
        "no credentials: HTTP 401, www-authenticate: Bearer",
        "a 64 KiB body: HTTP 413 PAYLOAD_TOO_LARGE",
        "ledger verifies: true",
      ]) {
        expect(stdout).toContain(line);
      }
    });

    it("serves the person, the DPO and every refusal as the bare handler would", async () => {
      const walk = await runDsrExample(serve);
      expect(walk.health).toBe(200);
      expect(walk.ownAccess.status).toBe(200);
      expect(walk.ownAccess.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(walk.ownAccess.headers.get("cache-control")).toBe("no-store");
      expect(walk.ownAccess.body.subject).toBe("contact-0003");
      expect(walk.otherAccess.status).toBe(403);
      expect(JSON.stringify(walk.otherAccess.body)).not.toContain("contact-0004");
      expect(walk.filed.status).toBe(201);
      expect(walk.personExecute.status).toBe(403);
      expect(walk.executed.status).toBe(200);
      expect(walk.executed.body.outcome).toBe("erased");
      expect(walk.certificateValid).toBe(true);
      expect(walk.wrongMethod.status).toBe(405);
      expect(walk.wrongMethod.headers.get("allow")).toBe("GET");
      expect(walk.anonymous.status).toBe(401);
      expect(walk.anonymous.headers.get("www-authenticate")).toBe("Bearer");
      expect(walk.tooLarge.status).toBe(413);
      expect(walk.tooLarge.body.error.code).toBe("PAYLOAD_TOO_LARGE");
      for (const step of walk.steps.filter((s) => s.status >= 400)) {
        expect(step.headers.get("content-type"), `${step.method} ${step.path}`).toMatch(
          /^application\/json/,
        );
        expect(typeof step.body.error.code).toBe("string");
      }
      expect(walk.verified).toBe(true);
    });
  });
}
