"use client";

import { CAPABILITIES, type Capability, type ModelConstraints, objectiveWeightsSchema } from "@/lib/schemas/model-policy";
import { inputClasses } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";

/** The objective as the form edits it: one of the named objectives, or a blend of the three weights. */
export type ObjectiveChoice = "cost" | "quality" | "latency" | "blend";
const OBJECTIVE_LABELS: Record<ObjectiveChoice, string> = {
  cost: "Cheapest (expected cost)",
  quality: "Strongest (quality score)",
  latency: "Fastest (observed p95)",
  blend: "Weighted blend",
};
const WEIGHTS = ["cost", "quality", "latency"] as const;
const DEFAULT_WEIGHTS = { cost: "0.5", quality: "0.3", latency: "0.2" };

/** The editable form of a ModelConstraints object: text inputs keep what the person typed until it is parsed. */
export interface ConstraintsDraft {
  minQuality: number;
  maxP95LatencyMs: string;
  maxCostPerCallUsd: string;
  requiredCapabilities: Capability[];
  preferredProviders: string;
  localFirst: boolean;
  localOnly: boolean;
  objective: ObjectiveChoice;
  /** the blend's weights as typed (used when objective is "blend") */
  weights: Record<(typeof WEIGHTS)[number], string>;
  diversity: boolean;
}

export const EMPTY_DRAFT: ConstraintsDraft = {
  minQuality: 0,
  maxP95LatencyMs: "",
  maxCostPerCallUsd: "",
  requiredCapabilities: [],
  preferredProviders: "",
  localFirst: false,
  localOnly: false,
  objective: "cost",
  weights: DEFAULT_WEIGHTS,
  diversity: false,
};

export function draftOf(c: ModelConstraints): ConstraintsDraft {
  return {
    minQuality: c.minQuality ?? 0,
    maxP95LatencyMs: c.maxP95LatencyMs === undefined ? "" : String(c.maxP95LatencyMs),
    maxCostPerCallUsd: c.maxCostPerCallUsd === undefined ? "" : String(c.maxCostPerCallUsd),
    requiredCapabilities: [...c.requiredCapabilities],
    preferredProviders: c.preferredProviders.join(", "),
    localFirst: c.localFirst,
    localOnly: c.localOnly,
    objective: c.objective === undefined ? "cost" : typeof c.objective === "string" ? c.objective : "blend",
    weights:
      c.objective !== undefined && typeof c.objective === "object"
        ? { cost: String(c.objective.cost), quality: String(c.objective.quality), latency: String(c.objective.latency) }
        : DEFAULT_WEIGHTS,
    diversity: c.diversity ?? false,
  };
}

/** The constraints a draft stands for, or the message of its first invalid field. */
export function constraintsOf(d: ConstraintsDraft): { ok: true; constraints: ModelConstraints } | { ok: false; error: string } {
  const constraints: ModelConstraints = {
    requiredCapabilities: d.requiredCapabilities,
    preferredProviders: d.preferredProviders
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    localFirst: d.localFirst,
    localOnly: d.localOnly,
  };
  if (d.minQuality > 0) constraints.minQuality = Math.round(d.minQuality * 100) / 100;
  if (d.maxP95LatencyMs.trim()) {
    const ms = Number(d.maxP95LatencyMs);
    if (!Number.isInteger(ms) || ms <= 0) return { ok: false, error: "Max p95 latency is a whole number of milliseconds above 0" };
    constraints.maxP95LatencyMs = ms;
  }
  if (d.maxCostPerCallUsd.trim()) {
    const usd = Number(d.maxCostPerCallUsd);
    if (!Number.isFinite(usd) || usd <= 0) return { ok: false, error: "Max cost per call is an amount in USD above 0" };
    constraints.maxCostPerCallUsd = usd;
  }
  if (d.objective === "blend") {
    const weights = objectiveWeightsSchema.safeParse({
      cost: Number(d.weights.cost || 0),
      quality: Number(d.weights.quality || 0),
      latency: Number(d.weights.latency || 0),
    });
    if (!weights.success) return { ok: false, error: "Blend weights are numbers from 0 to 1, at least one above 0" };
    constraints.objective = weights.data;
  } else if (d.objective !== "cost") constraints.objective = d.objective;
  if (d.diversity) constraints.diversity = true;
  return { ok: true, constraints };
}

/** Min quality slider, max p95, max cost, preferred providers, objective (and blend weights), diversity, capabilities, local-first / local-only. */
export function ConstraintsFields({
  idPrefix,
  testIdPrefix,
  draft,
  onChange,
  disabled,
}: {
  idPrefix: string;
  /** e.g. "route" gives route-min-quality, route-max-cost … */
  testIdPrefix: string;
  draft: ConstraintsDraft;
  onChange: (draft: ConstraintsDraft) => void;
  disabled?: boolean;
}) {
  const set = <K extends keyof ConstraintsDraft>(key: K, value: ConstraintsDraft[K]) => onChange({ ...draft, [key]: value });
  const toggleCap = (cap: Capability, on: boolean) =>
    set("requiredCapabilities", on ? [...new Set([...draft.requiredCapabilities, cap])] : draft.requiredCapabilities.filter((c) => c !== cap));
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-end gap-4">
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-min-quality`}>
            Min quality <span className="text-muted-foreground">{draft.minQuality > 0 ? draft.minQuality.toFixed(2) : "any"}</span>
          </label>
          <input
            className="w-full accent-primary"
            id={`${idPrefix}-min-quality`}
            data-testid={`${testIdPrefix}-min-quality`}
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={draft.minQuality}
            disabled={disabled}
            onChange={(e) => set("minQuality", Number(e.target.value))}
          />
        </div>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-max-p95`}>
            Max p95 latency (ms)
          </label>
          <input
            className={inputClasses}
            id={`${idPrefix}-max-p95`}
            data-testid={`${testIdPrefix}-max-p95`}
            inputMode="numeric"
            placeholder="no limit"
            value={draft.maxP95LatencyMs}
            disabled={disabled}
            onChange={(e) => set("maxP95LatencyMs", e.target.value)}
          />
        </div>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-max-cost`}>
            Max cost per call (USD)
          </label>
          <input
            className={inputClasses}
            id={`${idPrefix}-max-cost`}
            data-testid={`${testIdPrefix}-max-cost`}
            inputMode="decimal"
            placeholder="no limit"
            value={draft.maxCostPerCallUsd}
            disabled={disabled}
            onChange={(e) => set("maxCostPerCallUsd", e.target.value)}
          />
        </div>
        <div className="grid min-w-36 gap-1.5 flex-1">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-preferred`}>
            Preferred providers
          </label>
          <input
            className={inputClasses}
            id={`${idPrefix}-preferred`}
            data-testid={`${testIdPrefix}-preferred`}
            placeholder="kinds or ids, most preferred first: anthropic, prv_…"
            value={draft.preferredProviders}
            disabled={disabled}
            onChange={(e) => set("preferredProviders", e.target.value)}
          />
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-4">
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={`${idPrefix}-objective`}>
            Objective
          </label>
          <select
            className={SELECT_CLASS}
            id={`${idPrefix}-objective`}
            data-testid={`${testIdPrefix}-objective`}
            value={draft.objective}
            disabled={disabled}
            onChange={(e) => set("objective", e.target.value as ObjectiveChoice)}
          >
            {(Object.keys(OBJECTIVE_LABELS) as ObjectiveChoice[]).map((o) => (
              <option key={o} value={o}>
                {OBJECTIVE_LABELS[o]}
              </option>
            ))}
          </select>
        </div>
        {draft.objective === "blend"
          ? WEIGHTS.map((w) => (
              <div className="grid min-w-36 gap-1.5" key={w}>
                <label className="text-sm font-medium" htmlFor={`${idPrefix}-weight-${w}`}>
                  Weight: {w}
                </label>
                <input
                  className={inputClasses}
                  id={`${idPrefix}-weight-${w}`}
                  data-testid={`${testIdPrefix}-weight-${w}`}
                  inputMode="decimal"
                  value={draft.weights[w]}
                  disabled={disabled}
                  onChange={(e) => set("weights", { ...draft.weights, [w]: e.target.value })}
                />
              </div>
            ))
          : null}
        <label
          className="inline-flex items-center gap-2 text-sm"
          title="In a debate round or a mixture-of-agents layer, prefer a model the other participants do not use"
        >
          <input
            className="size-4 accent-primary"
            type="checkbox"
            data-testid={`${testIdPrefix}-diversity`}
            checked={draft.diversity}
            disabled={disabled}
            onChange={(e) => set("diversity", e.target.checked)}
          />
          spread participants over models
        </label>
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <span className="text-muted-foreground text-sm">Requires:</span>
        {CAPABILITIES.map((cap) => (
          <label key={cap} className="inline-flex items-center gap-2 text-sm">
            <input
              className="size-4 accent-primary"
              type="checkbox"
              data-testid={`${testIdPrefix}-cap-${cap}`}
              checked={draft.requiredCapabilities.includes(cap)}
              disabled={disabled}
              onChange={(e) => toggleCap(cap, e.target.checked)}
            />
            {cap}
          </label>
        ))}
        <span className="text-muted-foreground text-sm">Locality:</span>
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            className="size-4 accent-primary"
            type="checkbox"
            data-testid={`${testIdPrefix}-local-first`}
            checked={draft.localFirst}
            disabled={disabled}
            onChange={(e) => set("localFirst", e.target.checked)}
          />
          local first
        </label>
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            className="size-4 accent-primary"
            type="checkbox"
            data-testid={`${testIdPrefix}-local-only`}
            checked={draft.localOnly}
            disabled={disabled}
            onChange={(e) => set("localOnly", e.target.checked)}
          />
          local only
        </label>
      </div>
    </div>
  );
}
