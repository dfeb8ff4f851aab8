import type { LedgerEvent } from "../events/envelope";
import { ms } from "../views/event";
import type { CompiledMonitorConfig } from "./config";
import { type Rule, Windows } from "./rules";

/**
 * Authentication rules (issue 14 item 4): brute force against one account, credential
 * stuffing from one address across many accounts, and the first login of an actor from a
 * device or IP address never seen for that actor. They read `auth.*` events only.
 */

/** Brute force: `count` failed logins naming one account within `windowMs`. */
export function bruteForceRule(cfg: NonNullable<CompiledMonitorConfig["bruteForce"]>): Rule {
  const windows = new Windows<string>(cfg.windowMs);
  return {
    name: "brute-force",
    observe(event) {
      if (event.type !== "auth.login-failed") return undefined;
      const account = event.payload.account;
      const at = ms(event.occurredAt);
      const { items, quiet } = windows.add(account, at, event.id);
      if (quiet || items.length < cfg.count) return undefined;
      const triggeredBy = items.slice(-1024).map((i) => i.value);
      windows.fired(account, at);
      return compactAlert({
        rule: "brute-force",
        actorId: account,
        at,
        count: triggeredBy.length,
        threshold: cfg.count,
        windowMs: cfg.windowMs,
        triggeredBy,
        ip: event.actor.context?.ip,
      });
    },
  };
}

/** Credential stuffing: failed logins for `accounts` distinct accounts from one IP within `windowMs`. */
export function credentialStuffingRule(
  cfg: NonNullable<CompiledMonitorConfig["credentialStuffing"]>,
): Rule {
  const windows = new Windows<{ id: string; account: string }>(cfg.windowMs);
  return {
    name: "credential-stuffing",
    observe(event) {
      if (event.type !== "auth.login-failed") return undefined;
      const ip = event.actor.context?.ip;
      if (ip === undefined) return undefined;
      const at = ms(event.occurredAt);
      const { items, quiet } = windows.add(ip, at, {
        id: event.id,
        account: event.payload.account,
      });
      if (quiet) return undefined;
      const accounts = new Set(items.map((i) => i.value.account));
      if (accounts.size < cfg.accounts) return undefined;
      const triggeredBy = items.slice(-1024).map((i) => i.value.id);
      windows.fired(ip, at);
      return {
        rule: "credential-stuffing",
        actorId: event.actor.id,
        at,
        count: accounts.size,
        threshold: cfg.accounts,
        windowMs: cfg.windowMs,
        triggeredBy,
        ip,
      };
    },
  };
}

/**
 * First seen: a successful login of an actor from a device or an IP address that no
 * earlier successful login of that actor used. The actor's very first login sets the
 * baseline and raises nothing.
 */
export function firstSeenRule(): Rule {
  const seen = new Map<string, Set<string>>();
  return {
    name: "first-seen-device-or-ip",
    observe(event: LedgerEvent) {
      if (event.type !== "auth.login-succeeded") return undefined;
      const actor = event.payload.actorId;
      const { ip, device } = event.actor.context ?? {};
      let known = seen.get(actor);
      const first = known === undefined;
      if (known === undefined) {
        known = new Set();
        seen.set(actor, known);
      }
      const newDevice = device !== undefined && !known.has(`d:${device}`);
      const newIp = ip !== undefined && !known.has(`i:${ip}`);
      if (device !== undefined) known.add(`d:${device}`);
      if (ip !== undefined) known.add(`i:${ip}`);
      if (first || (!newDevice && !newIp)) return undefined;
      return compactAlert({
        rule: "first-seen-device-or-ip",
        actorId: actor,
        at: ms(event.occurredAt),
        triggeredBy: [event.id],
        ip: newIp ? ip : undefined,
        detail:
          newDevice && newIp
            ? "new device and IP address"
            : newDevice
              ? "new device"
              : "new IP address",
      });
    },
  };
}

function compactAlert<A extends { ip?: string | undefined }>(a: A): A {
  if (a.ip === undefined) delete a.ip;
  return a;
}
