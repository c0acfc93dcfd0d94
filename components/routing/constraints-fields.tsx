"use client";

import { CAPABILITIES, type Capability, type ModelConstraints } from "@/lib/schemas/model-policy";

/** The editable form of a ModelConstraints object: text inputs keep what the person typed until it is parsed. */
export interface ConstraintsDraft {
  minQuality: number;
  maxP95LatencyMs: string;
  maxCostPerCallUsd: string;
  requiredCapabilities: Capability[];
  preferredProviders: string;
  localFirst: boolean;
  localOnly: boolean;
}

export const EMPTY_DRAFT: ConstraintsDraft = {
  minQuality: 0,
  maxP95LatencyMs: "",
  maxCostPerCallUsd: "",
  requiredCapabilities: [],
  preferredProviders: "",
  localFirst: false,
  localOnly: false,
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
  return { ok: true, constraints };
}

/** Min quality slider, max p95, max cost, capabilities, preferred providers, local-first / local-only. */
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
    <div className="constraints-fields">
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${idPrefix}-min-quality`}>
            Min quality <span className="muted">{draft.minQuality > 0 ? draft.minQuality.toFixed(2) : "any"}</span>
          </label>
          <input
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
        <div className="field">
          <label htmlFor={`${idPrefix}-max-p95`}>Max p95 latency (ms)</label>
          <input
            id={`${idPrefix}-max-p95`}
            data-testid={`${testIdPrefix}-max-p95`}
            inputMode="numeric"
            placeholder="no limit"
            value={draft.maxP95LatencyMs}
            disabled={disabled}
            onChange={(e) => set("maxP95LatencyMs", e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${idPrefix}-max-cost`}>Max cost per call (USD)</label>
          <input
            id={`${idPrefix}-max-cost`}
            data-testid={`${testIdPrefix}-max-cost`}
            inputMode="decimal"
            placeholder="no limit"
            value={draft.maxCostPerCallUsd}
            disabled={disabled}
            onChange={(e) => set("maxCostPerCallUsd", e.target.value)}
          />
        </div>
        <div className="field grow">
          <label htmlFor={`${idPrefix}-preferred`}>Preferred providers</label>
          <input
            id={`${idPrefix}-preferred`}
            data-testid={`${testIdPrefix}-preferred`}
            placeholder="kinds or ids, most preferred first: anthropic, prv_…"
            value={draft.preferredProviders}
            disabled={disabled}
            onChange={(e) => set("preferredProviders", e.target.value)}
          />
        </div>
      </div>
      <div className="form-row constraints-toggles">
        <span className="muted small">Requires:</span>
        {CAPABILITIES.map((cap) => (
          <label key={cap} className="checkbox">
            <input
              type="checkbox"
              data-testid={`${testIdPrefix}-cap-${cap}`}
              checked={draft.requiredCapabilities.includes(cap)}
              disabled={disabled}
              onChange={(e) => toggleCap(cap, e.target.checked)}
            />
            {cap}
          </label>
        ))}
        <span className="muted small">Locality:</span>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid={`${testIdPrefix}-local-first`}
            checked={draft.localFirst}
            disabled={disabled}
            onChange={(e) => set("localFirst", e.target.checked)}
          />
          local first
        </label>
        <label className="checkbox">
          <input
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
