/**
 * The model router: picks the catalog model for one call from a policy's constraints. Pure (no DB, no clock), so it
 * is cheap (a 500-model catalog routes in well under a millisecond: `npm run bench:router`) and testable on tables.
 *
 * Feasible means all of:
 * - enabled;
 * - a text model: an embedding-only model (capabilities exactly "embeddings") is skipped unless the request requires
 *   "embeddings";
 * - has every required capability;
 * - quality >= minQuality;
 * - observed p95 latency <= maxP95LatencyMs. A model with no observations yet (p95 null) passes: it cannot be judged,
 *   and refusing it would keep it unobserved forever. It ranks after observed models when cost and quality tie;
 * - estimated cost <= maxCostPerCallUsd, where estimated cost = (promptTokens * inputPrice + maxOutputTokens *
 *   outputPrice) / 1e6 (prices are USD per million tokens; the output side is the worst case);
 * - context window >= promptTokens + maxOutputTokens;
 * - localOnly => the provider is local;
 * - its circuit breaker is not open (ids in `openCircuits`).
 *
 * Order of the feasible models: preferred providers first (ids or kinds, in the given order), then local before cloud
 * when localFirst, then minimal EXPECTED cost = estimated cost / (1 - observed error rate) (a model that fails 20% of
 * its calls costs 1.25x in expectation, since a failed call is followed by another one), ties by higher quality, then
 * lower observed p95 (unobserved counts as slowest), then display name for determinism.
 *
 * No feasible model is AppError NO_FEASIBLE_MODEL naming the binding constraint: the constraint that alone rejects
 * the most models that pass every other check ("No model meets minQuality 0.9 (best enabled: 0.85, gpt-4o-mini)"),
 * except that a model blocked only by its open circuit makes the error say so (that is temporary, not a constraint).
 */
import { AppError } from "@/lib/errors";
import type { ModelConstraints } from "@/lib/schemas/model-policy";

export interface CatalogEntry {
  id: string;
  providerId: string;
  providerKind: string;
  providerName: string;
  isLocal: boolean;
  modelId: string;
  displayName: string;
  inputPrice: number;
  outputPrice: number;
  contextWindow: number;
  capabilities: string[];
  quality: number;
  enabled: boolean;
  latencyP95Ms: number | null;
  errorRate: number;
}

export interface RouteRequest {
  constraints: ModelConstraints;
  promptTokens: number;
  maxOutputTokens: number;
  /** catalog ids whose circuit breaker is open: skipped (they are infeasible "for now") */
  openCircuits?: ReadonlySet<string> | readonly string[];
}

export interface RouteCandidate {
  id: string;
  displayName: string;
  estimatedCostUsd: number;
  feasible: boolean;
  rejectedBecause: string[];
}

export interface RouteDecision {
  chosen: CatalogEntry;
  fallbacks: CatalogEntry[];
  candidates: RouteCandidate[];
  explanation: string;
}

/** The checks of the feasibility filter, in the order their reasons are listed. */
type Check = "enabled" | "generation" | "capabilities" | "quality" | "latency" | "cost" | "context" | "local" | "circuit";
const CHECKS: readonly Check[] = ["enabled", "generation", "capabilities", "quality", "latency", "cost", "context", "local", "circuit"];

/** USD for one call with this prompt and the full output allowance (prices per million tokens). */
export function estimateCallCost(entry: Pick<CatalogEntry, "inputPrice" | "outputPrice">, promptTokens: number, maxOutputTokens: number): number {
  return (promptTokens * entry.inputPrice + maxOutputTokens * entry.outputPrice) / 1e6;
}

/** cost / (1 - errorRate), with the error rate capped at 0.95 so a failing model stays finite (20x) */
export function expectedCost(costUsd: number, errorRate: number): number {
  const rate = Math.min(Math.max(errorRate || 0, 0), 0.95);
  return costUsd / (1 - rate);
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0";
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value >= 0.01) return `$${Number(value.toFixed(4))}`;
  return `$${Number(value.toPrecision(3))}`;
}

interface Evaluated {
  entry: CatalogEntry;
  cost: number;
  expected: number;
  preferredRank: number;
  failed: Check[];
  reasons: string[];
}

export function route(catalog: CatalogEntry[], req: RouteRequest): RouteDecision {
  const c = req.constraints;
  const required = c.requiredCapabilities ?? [];
  const preferred = c.preferredProviders ?? [];
  const localOnly = c.localOnly ?? false;
  const localFirst = c.localFirst ?? false;
  const tokensNeeded = req.promptTokens + req.maxOutputTokens;
  const needsEmbeddings = required.includes("embeddings");
  const open = req.openCircuits instanceof Set ? (req.openCircuits as ReadonlySet<string>) : new Set(req.openCircuits ?? []);

  const evaluated: Evaluated[] = new Array(catalog.length);
  const feasible: Evaluated[] = [];
  for (let i = 0; i < catalog.length; i++) {
    const entry = catalog[i]!;
    const cost = estimateCallCost(entry, req.promptTokens, req.maxOutputTokens);
    const failed: Check[] = [];
    const reasons: string[] = [];
    if (!entry.enabled) {
      failed.push("enabled");
      reasons.push("disabled");
    }
    if (!needsEmbeddings && isEmbeddingOnly(entry)) {
      failed.push("generation");
      reasons.push("embedding model (cannot generate text)");
    }
    if (required.length) {
      let missing: string[] | undefined;
      for (const cap of required) if (!entry.capabilities.includes(cap)) (missing ??= []).push(cap);
      if (missing) {
        failed.push("capabilities");
        reasons.push(`lacks ${missing.join(", ")}`);
      }
    }
    if (c.minQuality !== undefined && entry.quality < c.minQuality) {
      failed.push("quality");
      reasons.push(`quality ${entry.quality} < minQuality ${c.minQuality}`);
    }
    if (c.maxP95LatencyMs !== undefined && entry.latencyP95Ms !== null && entry.latencyP95Ms > c.maxP95LatencyMs) {
      failed.push("latency");
      reasons.push(`observed p95 ${entry.latencyP95Ms} ms > maxP95LatencyMs ${c.maxP95LatencyMs}`);
    }
    if (c.maxCostPerCallUsd !== undefined && cost > c.maxCostPerCallUsd) {
      failed.push("cost");
      reasons.push(`estimated ${formatUsd(cost)} > maxCostPerCallUsd ${formatUsd(c.maxCostPerCallUsd)}`);
    }
    if (entry.contextWindow < tokensNeeded) {
      failed.push("context");
      reasons.push(`context window ${entry.contextWindow} < ${tokensNeeded} tokens needed`);
    }
    if (localOnly && !entry.isLocal) {
      failed.push("local");
      reasons.push(`provider ${entry.providerName} is not local (localOnly)`);
    }
    if (open.size && open.has(entry.id)) {
      failed.push("circuit");
      reasons.push("circuit open after repeated failures (cooling down)");
    }
    let preferredRank = preferred.length;
    for (let p = 0; p < preferred.length; p++) {
      if (preferred[p] === entry.providerId || preferred[p] === entry.providerKind) {
        preferredRank = p;
        break;
      }
    }
    const e: Evaluated = { entry, cost, expected: expectedCost(cost, entry.errorRate), preferredRank, failed, reasons };
    evaluated[i] = e;
    if (failed.length === 0) feasible.push(e);
  }

  if (feasible.length === 0) {
    throw new AppError("NO_FEASIBLE_MODEL", bindingConstraintMessage(evaluated, req), {
      candidates: evaluated.map(toCandidate),
    });
  }

  feasible.sort((a, b) => compare(a, b, localFirst));
  const [first, ...rest] = feasible;
  const decision: RouteDecision = {
    chosen: first!.entry,
    fallbacks: rest.map((e) => e.entry),
    candidates: [...feasible, ...evaluated.filter((e) => e.failed.length > 0)].map(toCandidate),
    explanation: "",
  };
  decision.explanation = explain(first!, rest, evaluated, req);
  return decision;
}

function isEmbeddingOnly(entry: CatalogEntry): boolean {
  return entry.capabilities.length > 0 && entry.capabilities.every((cap) => cap === "embeddings");
}

function compare(a: Evaluated, b: Evaluated, localFirst: boolean): number {
  if (a.preferredRank !== b.preferredRank) return a.preferredRank - b.preferredRank;
  if (localFirst && a.entry.isLocal !== b.entry.isLocal) return a.entry.isLocal ? -1 : 1;
  if (!nearlyEqual(a.expected, b.expected)) return a.expected - b.expected;
  if (a.entry.quality !== b.entry.quality) return b.entry.quality - a.entry.quality;
  const pa = a.entry.latencyP95Ms ?? Number.POSITIVE_INFINITY;
  const pb = b.entry.latencyP95Ms ?? Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.entry.displayName < b.entry.displayName ? -1 : a.entry.displayName > b.entry.displayName ? 1 : a.entry.id < b.entry.id ? -1 : 1;
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

function toCandidate(e: Evaluated): RouteCandidate {
  return { id: e.entry.id, displayName: e.entry.displayName, estimatedCostUsd: e.cost, feasible: e.failed.length === 0, rejectedBecause: e.reasons };
}

function describeConstraints(req: RouteRequest): string {
  const c = req.constraints;
  const parts: string[] = [];
  if (c.minQuality !== undefined) parts.push(`minQuality ${c.minQuality}`);
  if (c.maxP95LatencyMs !== undefined) parts.push(`maxP95LatencyMs ${c.maxP95LatencyMs}`);
  if (c.maxCostPerCallUsd !== undefined) parts.push(`maxCostPerCallUsd ${formatUsd(c.maxCostPerCallUsd)}`);
  if (c.requiredCapabilities?.length) parts.push(`requires ${c.requiredCapabilities.join(", ")}`);
  if (c.preferredProviders?.length) parts.push(`prefers ${c.preferredProviders.join(" > ")}`);
  if (c.localOnly) parts.push("local providers only");
  else if (c.localFirst) parts.push("local first");
  return parts.length ? parts.join(", ") : "no constraints";
}

function explain(first: Evaluated, rest: Evaluated[], all: Evaluated[], req: RouteRequest): string {
  const chosen = first.entry;
  const rejected = all.length - rest.length - 1;
  const why: string[] = [];
  if (first.preferredRank < (req.constraints.preferredProviders?.length ?? 0)) why.push(`preferred provider ${req.constraints.preferredProviders![first.preferredRank]}`);
  if (req.constraints.localFirst && chosen.isLocal) why.push("local first");
  why.push(
    first.expected !== first.cost
      ? `lowest expected cost ${formatUsd(first.expected)} (estimated ${formatUsd(first.cost)} adjusted for a ${Math.round(chosen.errorRate * 100)}% observed error rate)`
      : `lowest expected cost ${formatUsd(first.cost)}`,
  );
  const counts = new Map<Check, number>();
  for (const e of all) for (const f of e.failed) counts.set(f, (counts.get(f) ?? 0) + 1);
  const rejectedSummary = [...counts.entries()].map(([check, n]) => `${n} ${CHECK_LABEL[check]}`).join(", ");
  const fallbackNames = rest.slice(0, 3).map((e) => e.entry.displayName);
  return (
    `Policy: ${describeConstraints(req)}; ${req.promptTokens} prompt + ${req.maxOutputTokens} output tokens. ` +
    `${rest.length + 1} of ${all.length} models are feasible. ` +
    `Chose ${chosen.displayName} (${chosen.providerName}, ${chosen.isLocal ? "local" : "cloud"}): ${why.join("; ")}, ` +
    `quality ${chosen.quality}, p95 ${chosen.latencyP95Ms === null ? "not observed yet" : `${chosen.latencyP95Ms} ms`}. ` +
    (fallbackNames.length ? `Fallbacks: ${fallbackNames.join(", ")}${rest.length > 3 ? ` and ${rest.length - 3} more` : ""}. ` : "No fallback. ") +
    (rejected > 0 ? `Rejected ${rejected}: ${rejectedSummary}.` : "None rejected.")
  );
}

const CHECK_LABEL: Record<Check, string> = {
  enabled: "disabled",
  generation: "embedding-only",
  capabilities: "missing a capability",
  quality: "below minQuality",
  latency: "too slow (p95)",
  cost: "too expensive",
  context: "context window too small",
  local: "not local",
  circuit: "circuit open",
};

/**
 * The binding constraint: among enabled models, the check that alone rejects the most models (they pass every other
 * check). When every model fails two or more checks, the check rejecting the most enabled models overall.
 */
function bindingConstraintMessage(all: Evaluated[], req: RouteRequest): string {
  if (all.length === 0) return "The workspace has no models in its catalog: add a provider and its models";
  const enabled = all.filter((e) => !e.failed.includes("enabled"));
  if (enabled.length === 0) return `All ${all.length} models of the catalog are disabled: enable one on the Models page`;

  const alone = new Map<Check, number>();
  const overall = new Map<Check, number>();
  for (const e of enabled) {
    for (const f of e.failed) overall.set(f, (overall.get(f) ?? 0) + 1);
    if (e.failed.length === 1) alone.set(e.failed[0]!, (alone.get(e.failed[0]!) ?? 0) + 1);
  }
  const pick = (counts: Map<Check, number>) => {
    let best: Check | undefined;
    for (const check of CHECKS) if ((counts.get(check) ?? 0) > (best ? counts.get(best)! : 0)) best = check;
    return best;
  };
  // an open circuit is temporary, unlike a constraint: when it alone blocks a model, say that the model is cooling down
  const binding = alone.has("circuit") ? "circuit" : (pick(alone) ?? pick(overall)!);
  // the models this constraint stands between us and: those failing only it, else every enabled model
  const blocked = enabled.filter((e) => e.failed.length === 1 && e.failed[0] === binding);
  const pool = blocked.length ? blocked : enabled;
  const label = pool.length === enabled.length ? "best enabled" : "best otherwise feasible";
  const c = req.constraints;
  const best = <T>(score: (e: Evaluated) => T, better: (a: T, b: T) => boolean) =>
    pool.reduce((acc, e) => (better(score(e), score(acc)) ? e : acc), pool[0]!);

  switch (binding) {
    case "quality": {
      const top = best((e) => e.entry.quality, (a, b) => a > b);
      return `No model meets minQuality ${c.minQuality} (${label}: ${top.entry.quality}, ${top.entry.displayName})`;
    }
    case "latency": {
      const observed = pool.filter((e) => e.entry.latencyP95Ms !== null);
      const top = (observed.length ? observed : pool).reduce((acc, e) => ((e.entry.latencyP95Ms ?? Infinity) < (acc.entry.latencyP95Ms ?? Infinity) ? e : acc));
      return `No model meets maxP95LatencyMs ${c.maxP95LatencyMs} (${label === "best enabled" ? "fastest enabled" : "fastest otherwise feasible"}: p95 ${top.entry.latencyP95Ms} ms, ${top.entry.displayName})`;
    }
    case "cost": {
      const top = best((e) => e.cost, (a, b) => a < b);
      return `No model meets maxCostPerCallUsd ${formatUsd(c.maxCostPerCallUsd ?? 0)} for ${req.promptTokens} prompt + ${req.maxOutputTokens} output tokens (${label === "best enabled" ? "cheapest enabled" : "cheapest otherwise feasible"}: ${formatUsd(top.cost)}, ${top.entry.displayName})`;
    }
    case "capabilities": {
      const required = c.requiredCapabilities ?? [];
      const top = best((e) => required.filter((cap) => e.entry.capabilities.includes(cap)).length, (a, b) => a > b);
      const missing = required.filter((cap) => !top.entry.capabilities.includes(cap));
      return `No model has the required capabilities ${required.join(", ")} (closest: ${top.entry.displayName}, lacks ${missing.join(", ")})`;
    }
    case "context": {
      const top = best((e) => e.entry.contextWindow, (a, b) => a > b);
      return `No model has a context window for ${req.promptTokens + req.maxOutputTokens} tokens (${label === "best enabled" ? "largest enabled" : "largest otherwise feasible"}: ${top.entry.contextWindow}, ${top.entry.displayName})`;
    }
    case "local":
      return blocked.length
        ? `No local model is feasible, and localOnly forbids sending data to cloud providers (${blocked.length} cloud model${blocked.length === 1 ? "" : "s"} would otherwise qualify)`
        : "No local model satisfies the policy, and localOnly forbids sending data to cloud providers";
    case "circuit": {
      const names = pool.map((e) => e.entry.displayName).slice(0, 5);
      return `Every feasible model is cooling down after repeated failures (circuit open: ${names.join(", ")}); retry shortly`;
    }
    case "generation":
      return "No model that can generate text satisfies the policy: the only candidates are embedding models";
    case "enabled":
    default:
      return `No enabled model satisfies the policy (${describeConstraints(req)})`;
  }
}
