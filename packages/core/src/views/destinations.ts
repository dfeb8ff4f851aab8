import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import type { DaichoError } from "../errors";
import { DestinationPolicySet } from "../events/catalogue";
import { orThrow } from "../plain";
import { decodeSection } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import { PolicyTimeline } from "./policy-timeline";

const policyCodec = new PolicyTimeline(DestinationPolicySet).codec;

/** The destinations view: the export/share allow-list in force over time (`destination.policy-set`). */
export class DestinationsView {
  /** The allow-list (`destination.policy-set` payload) in force over time. */
  readonly policy = new PolicyTimeline(DestinationPolicySet);

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type !== "destination.policy-set") return;
    const base = { at: ms(event.occurredAt), seq: event.seq, rec: ms(event.recordedAt) };
    this.policy.set(base, payloadOf(event, "destination.policy-set"));
  }

  /** JSON-safe state. */
  toSnapshot(): unknown {
    return this.policy.toSnapshot();
  }

  /** Plain form of {@link DestinationsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): DestinationsView {
    return orThrow(DestinationsView.fromSnapshot(data));
  }

  /** Rebuild the view from {@link DestinationsView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, DestinationsView> {
    return pipe(
      decodeSection(policyCodec, data, "destinations"),
      E.map((entries) => {
        const view = new DestinationsView();
        view.policy.restore(entries);
        return view;
      }),
    );
  }
}
