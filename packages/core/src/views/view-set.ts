import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { ActorsView } from "./actors";
import { AlertsView } from "./alerts";
import { ApprovalsView } from "./approvals";
import { ClassificationView } from "./classification";
import { ConsentView } from "./consent";
import { ContractsView } from "./contracts";
import { DerivedFacts } from "./derived";
import { DestinationsView } from "./destinations";
import { DevicesView } from "./devices";
import { payloadOf, type ViewEvent } from "./event";
import { InstructionsView } from "./instructions";
import { PermissionsView } from "./permissions";
import { ProvenanceView } from "./provenance";
import { RecordsView } from "./records";
import { RestrictionView } from "./restriction";
import { SessionsView } from "./sessions";
import type { SnapshotWriter } from "./snapshot-tree";
import { VolumeView } from "./volume";

/** The JSON-safe state of every view, as written inside a snapshot. */
export interface ViewsState {
  readonly actors: unknown;
  readonly permissions: unknown;
  readonly consent: unknown;
  readonly classification: unknown;
  readonly provenance: unknown;
  readonly restriction: unknown;
  readonly records: unknown;
  /** Absent in snapshots written before contracts existed (restored as empty). */
  readonly contracts?: unknown;
  /** Absent in snapshots written before alert handling existed (restored as empty). */
  readonly alerts?: unknown;
  /** Absent in snapshots written before four-eyes approval existed (restored as empty). */
  readonly approvals?: unknown;
  /** Absent in snapshots written before マル秘 instructions existed (restored as empty). */
  readonly instructions?: unknown;
  readonly devices: unknown;
  readonly destinations: unknown;
  readonly volume: unknown;
  readonly sessions: unknown;
}

/** Where the views stand in the ledger: the last event folded in. */
export interface ViewsPosition {
  /** Sequence number of the last applied event; -1 before any. */
  readonly seq: number;
  /** Hash of that event (absent before any). */
  readonly hash?: string;
}

/**
 * All views over one ledger, folded together. `apply` must see events in sequence
 * order, each once; it is deterministic (no clock, no I/O), so applying the same events
 * to a fresh `Views` always yields the same state — which is what makes rebuilds and
 * snapshots interchangeable.
 */
export class Views {
  readonly actors: ActorsView;
  readonly permissions: PermissionsView;
  readonly consent: ConsentView;
  readonly classification: ClassificationView;
  readonly provenance: ProvenanceView;
  readonly restriction: RestrictionView;
  readonly records: RecordsView;
  readonly contracts: ContractsView;
  readonly alerts: AlertsView;
  readonly approvals: ApprovalsView;
  readonly instructions: InstructionsView;
  readonly devices: DevicesView;
  readonly destinations: DestinationsView;
  readonly volume: VolumeView;
  readonly sessions: SessionsView;
  /** Facts derived from several views, remembered for `decide()`; never snapshotted. */
  readonly derived = new DerivedFacts();
  private position: ViewsPosition = { seq: -1 };

  constructor(parts?: {
    actors: ActorsView;
    permissions: PermissionsView;
    consent: ConsentView;
    classification: ClassificationView;
    provenance: ProvenanceView;
    restriction: RestrictionView;
    records: RecordsView;
    devices?: DevicesView;
    destinations?: DestinationsView;
    volume?: VolumeView;
    sessions?: SessionsView;
    position: ViewsPosition;
    contracts?: ContractsView;
    alerts?: AlertsView;
    approvals?: ApprovalsView;
    instructions?: InstructionsView;
  }) {
    this.actors = parts?.actors ?? new ActorsView();
    this.permissions = parts?.permissions ?? new PermissionsView();
    this.consent = parts?.consent ?? new ConsentView();
    this.classification = parts?.classification ?? new ClassificationView();
    this.provenance = parts?.provenance ?? new ProvenanceView();
    this.restriction = parts?.restriction ?? new RestrictionView();
    this.records = parts?.records ?? new RecordsView();
    this.contracts = parts?.contracts ?? new ContractsView();
    this.alerts = parts?.alerts ?? new AlertsView();
    this.approvals = parts?.approvals ?? new ApprovalsView();
    this.instructions = parts?.instructions ?? new InstructionsView();
    this.devices = parts?.devices ?? new DevicesView();
    this.destinations = parts?.destinations ?? new DestinationsView();
    this.volume = parts?.volume ?? new VolumeView();
    this.sessions = parts?.sessions ?? new SessionsView();
    if (parts) this.position = parts.position;
  }

  /** The last event folded in. */
  get at(): ViewsPosition {
    return this.position;
  }

  /**
   * Fold one event into every view that tracks its type. Throws `INVALID_ARGUMENT` when
   * the event is not the next in sequence: a gap or a repeat would silently corrupt the
   * views, so the projection runner reads the missing range instead.
   */
  apply(event: ViewEvent): void {
    if (event.seq !== this.position.seq + 1) {
      throw new DaichoError("INVALID_ARGUMENT", "event out of sequence for views", {
        path: `seq ${event.seq}`,
        details: { expected: this.position.seq + 1 },
      });
    }
    switch (event.type) {
      case "actor.onboarded":
        this.actors.apply(event);
        this.derived.forgetAllApprovals();
        break;
      case "actor.offboarded":
        this.actors.apply(event);
        this.permissions.apply(event);
        this.derived.forgetAllApprovals();
        break;
      case "permission.granted":
        this.permissions.apply(event);
        this.approvals.apply(event);
        break;
      case "permission.revoked":
        this.permissions.apply(event);
        break;
      case "consent.granted":
      case "consent.withdrawn":
      case "consent.expired":
        this.consent.apply(event);
        break;
      case "classification.changed":
        this.classification.apply(event);
        this.forgetItemScopes(payloadOf(event, "classification.changed"));
        break;
      case "provenance.recorded":
        this.provenance.apply(event);
        break;
      case "processing.restricted":
      case "processing.restriction-lifted":
        this.restriction.apply(event);
        break;
      case "record.created":
      case "record.updated":
      case "record.deleted":
      case "erasure.requested":
      case "erasure.completed":
        this.records.apply(event);
        break;
      case "contract.concluded":
      case "contract.terminated":
        this.contracts.apply(event);
        break;
      case "alert.raised":
      case "alert.acknowledged":
      case "alert.resolved":
        this.alerts.apply(event);
        break;
      case "permission.approved":
        this.approvals.apply(event);
        this.derived.forgetApprovals(
          this.permissions.versionsOf(payloadOf(event, "permission.approved").grantId),
        );
        break;
      case "confidentiality.instructed":
        this.instructions.apply(event);
        this.forgetItemScopes(payloadOf(event, "confidentiality.instructed"));
        break;
      case "device.registered":
      case "device.lost":
      case "device.wiped":
      case "device.retired":
      case "device.policy-set":
        this.devices.apply(event);
        break;
      case "destination.policy-set":
        this.destinations.apply(event);
        break;
      case "volume.limits-set":
        this.volume.apply(event);
        break;
      case "auth.login-succeeded":
      case "auth.mfa-passed":
      case "auth.session-ended":
      case "auth.policy-set":
        this.sessions.apply(event);
        break;
    }
    // Allowed decisions feed the volume windows and the devices that held customer data.
    if (event.type === "data.accessed") {
      this.volume.apply(event);
      this.devices.apply(event);
    }
    this.position = { seq: event.seq, hash: event.hash };
  }

  /** A classification change or an instruction for an item: its entries' scopes may differ now. */
  private forgetItemScopes(p: {
    readonly resource: { readonly type: string; readonly id: string };
    readonly field?: string;
  }): void {
    const rc = this.classification.timelines(p.resource.type, p.resource.id);
    this.derived.forgetScopes(p.field === undefined ? rc?.own : rc?.fields.get(p.field));
  }

  /** Fold a sequence of events, in order. */
  applyAll(events: Iterable<ViewEvent>): this {
    for (const e of events) this.apply(e);
    return this;
  }

  /** Fold an async sequence of events (e.g. `ledger.read()`), in order. */
  async applyAllAsync(events: AsyncIterable<ViewEvent>): Promise<this> {
    for await (const e of events) this.apply(e);
    return this;
  }

  /** The JSON-safe state of every view (identifiers, labels, field names, times; no personal values). */
  state(): ViewsState {
    return {
      actors: this.actors.toSnapshot(),
      permissions: this.permissions.toSnapshot(),
      consent: this.consent.toSnapshot(),
      classification: this.classification.toSnapshot(),
      provenance: this.provenance.toSnapshot(),
      restriction: this.restriction.toSnapshot(),
      records: this.records.toSnapshot(),
      contracts: this.contracts.toSnapshot(),
      alerts: this.alerts.toSnapshot(),
      approvals: this.approvals.toSnapshot(),
      instructions: this.instructions.toSnapshot(),
      devices: this.devices.toSnapshot(),
      destinations: this.destinations.toSnapshot(),
      volume: this.volume.toSnapshot(),
      sessions: this.sessions.toSnapshot(),
    };
  }

  /**
   * Write {@link Views.state} as a v3 body's root (docs/spec.md §14.3) straight from the
   * views' maps: the same bytes as `encodeTree(this.state())`, without that tree. Views
   * whose state is small (policies, contracts, alerts, volume, sessions, grants) hand
   * their `toSnapshot()` to the writer.
   */
  writeSnapshot(w: SnapshotWriter): void {
    w.object(15, 0);
    w.key("actors");
    this.actors.writeSnapshot(w, 1);
    w.key("permissions");
    w.value(this.permissions.toSnapshot(), 1);
    w.key("consent");
    this.consent.writeSnapshot(w, 1);
    w.key("classification");
    this.classification.writeSnapshot(w, 1);
    w.key("provenance");
    this.provenance.writeSnapshot(w, 1);
    w.key("restriction");
    this.restriction.writeSnapshot(w, 1);
    w.key("records");
    this.records.writeSnapshot(w, 1);
    w.key("contracts");
    w.value(this.contracts.toSnapshot(), 1);
    w.key("alerts");
    w.value(this.alerts.toSnapshot(), 1);
    w.key("approvals");
    this.approvals.writeSnapshot(w, 1);
    w.key("instructions");
    this.instructions.writeSnapshot(w, 1);
    w.key("devices");
    this.devices.writeSnapshot(w, 1);
    w.key("destinations");
    w.value(this.destinations.toSnapshot(), 1);
    w.key("volume");
    w.value(this.volume.toSnapshot(), 1);
    w.key("sessions");
    w.value(this.sessions.toSnapshot(), 1);
  }

  /** Rebuild views from {@link Views.state} output at `position`, decoding every section. */
  static fromState(state: ViewsState, position: ViewsPosition): E.Either<DaichoError, Views> {
    const actors = ActorsView.fromSnapshot(state.actors);
    if (E.isLeft(actors)) return actors;
    const permissions = PermissionsView.fromSnapshot(state.permissions);
    if (E.isLeft(permissions)) return permissions;
    const consent = ConsentView.fromSnapshot(state.consent);
    if (E.isLeft(consent)) return consent;
    const classification = ClassificationView.fromSnapshot(state.classification);
    if (E.isLeft(classification)) return classification;
    const provenance = ProvenanceView.fromSnapshot(state.provenance);
    if (E.isLeft(provenance)) return provenance;
    const restriction = RestrictionView.fromSnapshot(state.restriction);
    if (E.isLeft(restriction)) return restriction;
    const records = RecordsView.fromSnapshot(state.records);
    if (E.isLeft(records)) return records;
    const contracts = ContractsView.fromSnapshot(state.contracts);
    if (E.isLeft(contracts)) return contracts;
    const alerts = AlertsView.fromSnapshot(state.alerts);
    if (E.isLeft(alerts)) return alerts;
    const approvals = ApprovalsView.fromSnapshot(state.approvals);
    if (E.isLeft(approvals)) return approvals;
    const instructions = InstructionsView.fromSnapshot(state.instructions);
    if (E.isLeft(instructions)) return instructions;
    const devices = DevicesView.fromSnapshot(state.devices);
    if (E.isLeft(devices)) return devices;
    const destinations = DestinationsView.fromSnapshot(state.destinations);
    if (E.isLeft(destinations)) return destinations;
    const volume = VolumeView.fromSnapshot(state.volume);
    if (E.isLeft(volume)) return volume;
    const sessions = SessionsView.fromSnapshot(state.sessions);
    if (E.isLeft(sessions)) return sessions;
    return E.right(
      new Views({
        actors: actors.right,
        permissions: permissions.right,
        consent: consent.right,
        classification: classification.right,
        provenance: provenance.right,
        restriction: restriction.right,
        records: records.right,
        devices: devices.right,
        destinations: destinations.right,
        volume: volume.right,
        sessions: sessions.right,
        position,
        contracts: contracts.right,
        alerts: alerts.right,
        approvals: approvals.right,
        instructions: instructions.right,
      }),
    );
  }

  /** Plain form of {@link Views.fromState}: the views, or throws the first section's `DECODE_ERROR`. */
  static fromStateOrThrow(state: ViewsState, position: ViewsPosition): Views {
    return orThrow(Views.fromState(state, position));
  }
}
