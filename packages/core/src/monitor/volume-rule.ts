import { appliesTo } from "../policy/controls";
import { ms } from "../views/event";
import type { Rule } from "./rules";

/**
 * Volume approaching (issue 14 item 3): an allowed read, export or share that takes an
 * actor to `warnAtPercent` (default 80) of a volume limit in force. `decide()` refuses at
 * the limit itself; this warns before. One alert per actor and limit per window length,
 * so a burst yields one. Reads the views, which the projector has already folded the
 * event into.
 */
export function volumeApproachingRule(): Rule {
  const quietUntil = new Map<string, number>();
  return {
    name: "volume-approaching",
    observe(event, views) {
      if (event.type !== "data.accessed" || event.payload.outcome !== "allowed") return undefined;
      const at = ms(event.occurredAt);
      const limits = views.volume.limits.at(at);
      if (limits === undefined) return undefined;
      const action = event.payload.action ?? "read";
      const metric =
        action === "read"
          ? "records-read"
          : action === "export" || action === "share"
            ? "records-exported"
            : undefined;
      if (metric === undefined) return undefined;
      const actor = event.actor.id;
      const entry = views.actors.entryAt(actor, at);
      const teams = entry?.kind === "onboarded" ? (entry.teams ?? []) : [];
      const percent = limits.warnAtPercent ?? 80;
      for (const [i, l] of limits.limits.entries()) {
        if (l.metric !== metric || !appliesTo(l, actor, teams)) continue;
        const used = views.volume.usedAt(actor, metric, l.window, at);
        const key = `${actor}\u0000${i}`;
        const windowMs = l.window === "hour" ? 3_600_000 : 86_400_000;
        if (
          used >= Math.ceil((l.max * percent) / 100) &&
          at >= (quietUntil.get(key) ?? -Infinity)
        ) {
          quietUntil.set(key, at + windowMs);
          return {
            rule: "volume-approaching",
            actorId: actor,
            at,
            count: used,
            threshold: l.max,
            windowMs,
            triggeredBy: [event.id],
            detail: `${metric} reached ${percent}% of the ${l.window} limit`,
          };
        }
      }
      return undefined;
    },
  };
}
