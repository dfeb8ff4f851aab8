/**
 * `pnpm example:crm-service` — a contacts CRM over HTTP whose every read, update and
 * export is decided by the policy and recorded in the ledger.
 *
 * Starts the CRM on 127.0.0.1, walks through a few requests as different staff members,
 * exports every contact (which trips the mass-export alert), verifies the ledger and shows
 * that no contact's name or e-mail is in the ledger file in clear.
 * `--serve` keeps the server running afterwards so you can try it with curl.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cards } from "../shared/people";
import { appFor, listen, openCrm } from "./server";

const dir = mkdtempSync(join(tmpdir(), "daicho-crm-"));
const crm = await openCrm(dir, { contacts: 60 });
const server = await listen(appFor(crm));
console.log(`CRM listening on ${server.url} (ledger ${crm.path})\n`);

const call = async (token: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  console.log(`${method} ${path} as ${token} → ${res.status}`);
  console.log(`  ${text.length > 300 ? `${text.slice(0, 300)}…` : text.trim()}\n`);
  return res.status;
};

const { sales, manager, support } = crm.tokens;
await call(sales, "GET", "/contacts/contact-0001"); // notes masked: not in the sales grant
await call(manager, "GET", "/contacts/contact-0001"); // the manager sees the notes
await call(sales, "PATCH", "/contacts/contact-0001", { phone: "+81-3-5555-0101" });
await call(support, "PATCH", "/contacts/contact-0001", { phone: "+81-3-0000-0000" }); // denied
await call(sales, "GET", "/contacts/export?fields=name,company,email"); // 60 contacts: mass export
await crm.monitor.flush();

for (const a of crm.alerts) {
  console.log(`ALERT ${a.severity} ${a.rule}: ${a.actorId} exported ${a.count} subjects`);
}
const report = await crm.ledger.verify();
console.log(`\nLedger verifies: ${report.ok} (${report.ok ? report.count : 0} events)`);

const file = readFileSync(crm.path);
const leaked = cards(60).filter((c) => file.includes(c.email) || file.includes(c.name));
console.log(`Contacts whose name or e-mail appears in clear in ${crm.path}: ${leaked.length}`);

if (process.argv.includes("--serve")) {
  console.log(
    `\nTry: curl -H 'authorization: Bearer tok-sales' ${server.url}/contacts/contact-0002`,
  );
} else {
  await server.close();
  await crm.close();
}
