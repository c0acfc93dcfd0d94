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
 * Order of the feasible models: models in `avoidModels` (diversity) last, then preferred providers first (ids or kinds,
 * in the given order), then local before cloud when localFirst, then the policy's objective (./objective.ts): by
 * default ("cost") minimal EXPECTED cost = estimated cost / (1 - observed error rate) (a model that fails 20% of its
 * calls costs 1.25x in expectation, since a failed call is followed by another one), ties by higher quality, then
 * lower expected latency of the call (./latency.ts; unobserved counts as slowest), then display name for determinism; "quality", "latency" or a
 * weighted blend otherwise.
 *
 * No feasible model is AppError NO_FEASIBLE_MODEL naming the binding constraint: the constraint that alone rejects
 * the most models that pass every other check ("No model meets minQuality 0.9 (best enabled: 0.85, gpt-4o-mini)"),
 * except that a model blocked only by its open circuit makes the error say so (that is temporary, not a constraint), and
 * lists those models in `details.coolingDown`.
 */
import { AppError } from "@/lib/errors";
import type { ModelConstraints } from "@/lib/schemas/model-policy";
import { expectedCallMs, failedAttemptsPerSuccess, failureRateOf } from "./latency";
import { describeObjective, rankByObjective } from "./objective";

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
  /** the model's own prompt-cache prices (USD per million tokens); null or absent: the provider's usual ratio */
  cacheReadPrice?: number | null;
  cacheWritePrice?: number | null;
  /** a reasoning model (server/models/known-models.ts): the gateway gives it at least REASONING_MIN_OUTPUT_TOKENS */
  reasoning?: boolean;
  /** the model's own first-byte timeout and whole-call base (seconds; absent or null: the defaults of ./timeouts.ts) */
  firstByteTimeoutSeconds?: number | null;
  callTimeoutBaseSeconds?: number | null;
  /** the provider's retirement date (YYYY-MM-DD): once passed, routing skips the model unless it is pinned */
  retiredAt?: string | null;
  contextWindow: number;
  capabilities: string[];
  quality: number;
  enabled: boolean;
  latencyP95Ms: number | null;
  errorRate: number;
  /** P(a call fails), smoothed and recency-weighted (stats.ts reliabilityOf); absent: errorRate */
  failureRate?: number;
  /** calls behind latencyP95Ms; absent: as many as needed (tests and benches set only the p95) */
  latencySamples?: number;
  /** time to first token (p95 of recent streamed calls) and ms per output token (stats.ts tokenLatencyOf) */
  ttftMs?: number | null;
  msPerOutputToken?: number | null;
}

export interface RouteRequest {
  constraints: ModelConstraints;
  promptTokens: number;
  maxOutputTokens: number;
  /** catalog ids whose circuit breaker is open: skipped (they are infeasible "for now") */
  openCircuits?: ReadonlySet<string> | readonly string[];
  /**
   * catalog ids due for a probe call: one excluded only by its observed latency is feasible again and chosen first,
   * so a model that was slow once (a cold start) can show that it recovered (routing.ts decides when)
   */
  probe?: ReadonlySet<string>;
  /**
   * An enabled real provider exists in the workspace (even one without a model yet): the simulator stays out of
   * text generation. Embeddings still look at the models (a real provider may offer none).
   */
  realProviderEnabled?: boolean;
  /** catalog ids to rank last (diversity: used by the other participants of the step); reused when nothing else is feasible */
  avoidModels?: ReadonlySet<string> | readonly string[];
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
type Check = "enabled" | "generation" | "simulator" | "capabilities" | "quality" | "latency" | "cost" | "context" | "local" | "circuit";
const CHECKS: readonly Check[] = ["enabled", "generation", "simulator", "capabilities", "quality", "latency", "cost", "context", "local", "circuit"];

/** Calls with a latency (successes and timeouts) a model needs before its observed p95 may exclude it. */
export const MIN_LATENCY_SAMPLES = 5;
/** Failure rates closer than this count as equal when expected costs tie. */
const RELIABILITY_TIE = 0.02;

/** USD for one call with this prompt and the full output allowance (prices per million tokens). */
export function estimateCallCost(entry: Pick<CatalogEntry, "inputPrice" | "outputPrice">, promptTokens: number, maxOutputTokens: number): number {
  return (promptTokens * entry.inputPrice + maxOutputTokens * entry.outputPrice) / 1e6;
}

/**
 * What a failed call costs in money beyond its own price in the expected cost: the time it wastes (about
 * FAILED_CALL_MS, ./latency.ts) priced, so that reliability still counts for a model at $0 (a local model, the simulator).
 */
export const FAILED_CALL_USD = 0.0001;

/**
 * Expected USD of getting one answer: cost + r/(1-r) x (cost + FAILED_CALL_USD), with r the failure rate capped at
 * 0.95. r/(1-r) is the expected number of failed attempts before a success (geometric), each one costs a retry at
 * the call's price plus the priced time it lost. Additive, so a $0 model that fails is still penalised.
 */
export function expectedCost(costUsd: number, failureRate: number): number {
  return costUsd + failedAttemptsPerSuccess(failureRate) * (costUsd + FAILED_CALL_USD);
}

export function formatUsd(value: number): string {
  if (value === 0) return "$0";
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value >= 0.01) return `$${Number(value.toFixed(4))}`;
  return `$${Number(value.toPrecision(3))}`;
}

/** A catalog entry as the error path and the explanation see it (built only there: the hot path uses arrays). */
interface Evaluated {
  entry: CatalogEntry;
  cost: number;
  expected: number;
  preferredRank: number;
  /** the checks it fails, in CHECKS order; empty when feasible */
  failed: Check[];
}

const BIT: Record<Check, number> = Object.fromEntries(CHECKS.map((check, i) => [check, 1 << i])) as Record<Check, number>;

function checksOf(mask: number): Check[] {
  const out: Check[] = [];
  for (const check of CHECKS) if (mask & BIT[check]) out.push(check);
  return out;
}

/**
 * The hot path keeps per-model figures in typed arrays and allocates only what the decision returns (one candidate
 * per model, its reasons), so that a 500-model decision stays well under a millisecond including GC.
 */
export function route(catalog: CatalogEntry[], req: RouteRequest): RouteDecision {
  const c = req.constraints;
  const required = c.requiredCapabilities ?? [];
  const preferred = c.preferredProviders ?? [];
  const localOnly = c.localOnly ?? false;
  const localFirst = c.localFirst ?? false;
  const tokensNeeded = req.promptTokens + req.maxOutputTokens;
  const needsEmbeddings = required.includes("embeddings");
  const open = req.openCircuits instanceof Set ? (req.openCircuits as ReadonlySet<string>) : new Set(req.openCircuits ?? []);
  const probe = req.probe;
  // the simulator answers "[simulated]": it takes part only where no real provider's model of the kind is enabled
  const realModel =
    (!needsEmbeddings && req.realProviderEnabled === true) ||
    catalog.some((e) => e.enabled && e.providerKind !== "simulator" && (needsEmbeddings ? e.capabilities.includes("embeddings") : !isEmbeddingOnly(e)));
  const checkOpen = open.size > 0;
  const minQuality = c.minQuality;
  const maxP95 = c.maxP95LatencyMs;
  const maxCost = c.maxCostPerCallUsd;
  // the constant halves of the reasons, formatted once per decision
  const qualitySuffix = ` < minQuality ${minQuality}`;
  const latencySuffix = ` ms > maxP95LatencyMs ${maxP95}`;
  const costSuffix = maxCost === undefined ? "" : ` > maxCostPerCallUsd ${formatUsd(maxCost)}`;
  const contextSuffix = ` < ${tokensNeeded} tokens needed`;

  const n = catalog.length;
  const costs = new Float64Array(n);
  const expected = new Float64Array(n);
  const latency = new Float64Array(n);
  const ranks = new Int32Array(n);
  const masks = new Int32Array(n);
  const candidates: RouteCandidate[] = new Array(n);
  const feasible: number[] = [];
  for (let i = 0; i < n; i++) {
    const entry = catalog[i]!;
    const cost = (req.promptTokens * entry.inputPrice + req.maxOutputTokens * entry.outputPrice) / 1e6;
    let mask = 0;
    let reasons: string[] | undefined;
    if (!entry.enabled) {
      mask |= BIT.enabled;
      (reasons ??= []).push("disabled");
    }
    if (!needsEmbeddings && isEmbeddingOnly(entry)) {
      mask |= BIT.generation;
      (reasons ??= []).push("embedding model (cannot generate text)");
    }
    if (realModel && entry.providerKind === "simulator") {
      mask |= BIT.simulator;
      (reasons ??= []).push("simulator (a real provider is enabled; pin a simulator model to use it)");
    }
    if (required.length) {
      let missing: string | undefined;
      for (const cap of required) if (!entry.capabilities.includes(cap)) missing = missing === undefined ? cap : `${missing}, ${cap}`;
      if (missing !== undefined) {
        mask |= BIT.capabilities;
        (reasons ??= []).push(`lacks ${missing}`);
      }
    }
    if (minQuality !== undefined && entry.quality < minQuality) {
      mask |= BIT.quality;
      (reasons ??= []).push(`quality ${entry.quality}${qualitySuffix}`);
    }
    if (
      maxP95 !== undefined &&
      entry.latencyP95Ms !== null &&
      entry.latencyP95Ms > maxP95 &&
      (entry.latencySamples ?? MIN_LATENCY_SAMPLES) >= MIN_LATENCY_SAMPLES &&
      !probe?.has(entry.id)
    ) {
      mask |= BIT.latency;
      (reasons ??= []).push(`observed p95 ${entry.latencyP95Ms}${latencySuffix}`);
    }
    if (maxCost !== undefined && cost > maxCost) {
      mask |= BIT.cost;
      (reasons ??= []).push(`estimated ${formatUsd(cost)}${costSuffix}`);
    }
    if (entry.contextWindow < tokensNeeded) {
      mask |= BIT.context;
      (reasons ??= []).push(`context window ${entry.contextWindow}${contextSuffix}`);
    }
    if (localOnly && !entry.isLocal) {
      mask |= BIT.local;
      (reasons ??= []).push(`provider ${entry.providerName} is not local (localOnly)`);
    }
    if (checkOpen && open.has(entry.id)) {
      mask |= BIT.circuit;
      (reasons ??= []).push("circuit open after repeated failures (cooling down)");
    }
    let rank = preferred.length;
    for (let p = 0; p < preferred.length; p++) {
      if (preferred[p] === entry.providerId || preferred[p] === entry.providerKind) {
        rank = p;
        break;
      }
    }
    costs[i] = cost;
    expected[i] = expectedCost(cost, failureRateOf(entry));
    latency[i] = expectedCallMs(entry, req.maxOutputTokens) ?? Number.POSITIVE_INFINITY;
    ranks[i] = rank;
    masks[i] = mask;
    candidates[i] = { id: entry.id, displayName: entry.displayName, estimatedCostUsd: cost, feasible: mask === 0, rejectedBecause: reasons ?? [] };
    if (mask === 0) feasible.push(i);
  }

  const view = (i: number): Evaluated => ({
    entry: catalog[i]!,
    cost: costs[i]!,
    expected: expected[i]!,
    preferredRank: ranks[i]!,
    failed: checksOf(masks[i]!),
  });

  if (feasible.length === 0) {
    // the models that only their open circuit blocks: the gateway waits for the first of them to recover
    const coolingDown: string[] = [];
    for (let i = 0; i < n; i++) if (masks[i] === BIT.circuit) coolingDown.push(catalog[i]!.id);
    throw new AppError(
      "NO_FEASIBLE_MODEL",
      bindingConstraintMessage(
        catalog.map((_, i) => view(i)),
        req,
      ),
      { candidates, ...(coolingDown.length ? { coolingDown } : {}) },
    );
  }

  const avoid = req.avoidModels instanceof Set ? (req.avoidModels as ReadonlySet<string>) : new Set(req.avoidModels ?? []);
  const ranking = rankByObjective({ catalog, expected, latency, objective: c.objective }, feasible, (a, b) => tieBreak(catalog, latency, a, b));
  feasible.sort((a, b) => {
    if (probe) {
      const pa = probe.has(catalog[a]!.id);
      if (pa !== probe.has(catalog[b]!.id)) return pa ? -1 : 1;
    }
    const ea = catalog[a]!;
    const eb = catalog[b]!;
    if (avoid.size > 0) {
      const aa = avoid.has(ea.id);
      if (aa !== avoid.has(eb.id)) return aa ? 1 : -1;
    }
    if (ranks[a] !== ranks[b]) return ranks[a]! - ranks[b]!;
    if (localFirst && ea.isLocal !== eb.isLocal) return ea.isLocal ? -1 : 1;
    return ranking.compare(a, b);
  });

  const fallbacks: CatalogEntry[] = new Array(feasible.length - 1);
  const ordered: RouteCandidate[] = new Array(n);
  for (let k = 0; k < feasible.length; k++) {
    if (k > 0) fallbacks[k - 1] = catalog[feasible[k]!]!;
    ordered[k] = candidates[feasible[k]!]!;
  }
  let next = feasible.length;
  const rejectedCounts = new Int32Array(CHECKS.length);
  for (let i = 0; i < n; i++) {
    const mask = masks[i]!;
    if (mask === 0) continue;
    ordered[next++] = candidates[i]!;
    for (let b = 0; b < CHECKS.length; b++) if (mask & (1 << b)) rejectedCounts[b]! += 1;
  }
  const first = view(feasible[0]!);
  const diversity = avoid.size > 0 ? { avoided: avoid.size, reused: avoid.has(first.entry.id) } : undefined;
  const score = ranking.scores?.get(feasible[0]!);
  return {
    chosen: first.entry,
    fallbacks,
    candidates: ordered,
    explanation: explain(first, fallbacks, n, rejectedCounts, req, { score, diversity }),
  };
}

function isEmbeddingOnly(entry: CatalogEntry): boolean {
  return entry.capabilities.length > 0 && entry.capabilities.every((cap) => cap === "embeddings");
}

/**
 * Equal rank, locality and expected cost (e.g. two $0 local models): the clearly more reliable one, then higher
 * quality, then the lower expected latency of this call (`latency` per catalog index, ./latency.ts; unobserved:
 * Infinity, last), then name.
 */
function tieBreak(catalog: readonly CatalogEntry[], latency: Float64Array, i: number, j: number): number {
  const a = catalog[i]!;
  const b = catalog[j]!;
  const fa = failureRateOf(a);
  const fb = failureRateOf(b);
  if (Math.abs(fa - fb) > RELIABILITY_TIE) return fa - fb;
  if (a.quality !== b.quality) return b.quality - a.quality;
  const pa = latency[i]!;
  const pb = latency[j]!;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : a.id < b.id ? -1 : 1;
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
  if (c.objective !== undefined && c.objective !== "cost") parts.push(`objective ${describeObjective(c.objective)}`);
  if (c.diversity) parts.push("diversity");
  return parts.length ? parts.join(", ") : "no constraints";
}

interface ExplainExtras {
  /** the chosen model's blend score */
  score?: number;
  /** diversity: how many models the others use, and whether the chosen one is one of them (nothing else was feasible) */
  diversity?: { avoided: number; reused: boolean };
}

function explain(first: Evaluated, rest: CatalogEntry[], total: number, rejectedCounts: Int32Array, req: RouteRequest, extras: ExplainExtras): string {
  const chosen = first.entry;
  const rejected = total - rest.length - 1;
  const why: string[] = [];
  if (extras.diversity)
    why.push(
      extras.diversity.reused
        ? "diversity: every feasible model is already used by another participant, so one is reused"
        : `diversity: a model none of the other participants uses (${extras.diversity.avoided} in use)`,
    );
  if (first.preferredRank < (req.constraints.preferredProviders?.length ?? 0))
    why.push(`preferred provider ${req.constraints.preferredProviders![first.preferredRank]}`);
  if (req.constraints.localFirst && chosen.isLocal) why.push("local first");
  const objective = req.constraints.objective ?? "cost";
  const costText =
    first.expected !== first.cost
      ? `expected cost ${formatUsd(first.expected)} (estimated ${formatUsd(first.cost)} adjusted for a ${Math.round(failureRateOf(chosen) * 100)}% failure rate)`
      : `expected cost ${formatUsd(first.cost)}`;
  if (objective === "cost") why.push(`objective cost: lowest ${costText}`);
  else if (objective === "quality") why.push(`objective quality: highest quality ${chosen.quality}, ${costText}`);
  else if (objective === "latency")
    why.push(
      chosen.latencyP95Ms === null
        ? `objective latency: no feasible model observed yet, lowest ${costText}`
        : `objective latency: lowest observed p95 ${chosen.latencyP95Ms} ms, ${costText}`,
    );
  else why.push(`objective ${describeObjective(objective)}: best weighted score ${(extras.score ?? 0).toFixed(2)}, ${costText}`);
  const rejectedSummary = CHECKS.map((check, i) => (rejectedCounts[i] ? `${rejectedCounts[i]} ${CHECK_LABEL[check]}` : ""))
    .filter(Boolean)
    .join(", ");
  const fallbackNames = rest.slice(0, 3).map((e) => e.displayName);
  return (
    `Policy: ${describeConstraints(req)}; ${req.promptTokens} prompt + ${req.maxOutputTokens} output tokens. ` +
    `${rest.length + 1} of ${total} models are feasible. ` +
    `Chose ${chosen.displayName} (${chosen.providerName}, ${chosen.isLocal ? "local" : "cloud"}): ${why.join("; ")}, ` +
    `quality ${chosen.quality}, p95 ${chosen.latencyP95Ms === null ? "not observed yet" : `${chosen.latencyP95Ms} ms`}. ` +
    (fallbackNames.length ? `Fallbacks: ${fallbackNames.join(", ")}${rest.length > 3 ? ` and ${rest.length - 3} more` : ""}. ` : "No fallback. ") +
    (rejected > 0 ? `Rejected ${rejected}: ${rejectedSummary}.` : "None rejected.")
  );
}

const CHECK_LABEL: Record<Check, string> = {
  enabled: "disabled",
  generation: "embedding-only",
  simulator: "simulator (a real provider is enabled)",
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
  const best = <T>(score: (e: Evaluated) => T, better: (a: T, b: T) => boolean) => pool.reduce((acc, e) => (better(score(e), score(acc)) ? e : acc), pool[0]!);

  switch (binding) {
    case "quality": {
      const top = best(
        (e) => e.entry.quality,
        (a, b) => a > b,
      );
      return `No model meets minQuality ${c.minQuality} (${label}: ${top.entry.quality}, ${top.entry.displayName})`;
    }
    case "latency": {
      const observed = pool.filter((e) => e.entry.latencyP95Ms !== null);
      const top = (observed.length ? observed : pool).reduce((acc, e) => ((e.entry.latencyP95Ms ?? Infinity) < (acc.entry.latencyP95Ms ?? Infinity) ? e : acc));
      return `No model meets maxP95LatencyMs ${c.maxP95LatencyMs} (${label === "best enabled" ? "fastest enabled" : "fastest otherwise feasible"}: p95 ${top.entry.latencyP95Ms} ms, ${top.entry.displayName})`;
    }
    case "cost": {
      const top = best(
        (e) => e.cost,
        (a, b) => a < b,
      );
      return `No model meets maxCostPerCallUsd ${formatUsd(c.maxCostPerCallUsd ?? 0)} for ${req.promptTokens} prompt + ${req.maxOutputTokens} output tokens (${label === "best enabled" ? "cheapest enabled" : "cheapest otherwise feasible"}: ${formatUsd(top.cost)}, ${top.entry.displayName})`;
    }
    case "capabilities": {
      const required = c.requiredCapabilities ?? [];
      const top = best(
        (e) => required.filter((cap) => e.entry.capabilities.includes(cap)).length,
        (a, b) => a > b,
      );
      const missing = required.filter((cap) => !top.entry.capabilities.includes(cap));
      return `No model has the required capabilities ${required.join(", ")} (closest: ${top.entry.displayName}, lacks ${missing.join(", ")})`;
    }
    case "context": {
      const top = best(
        (e) => e.entry.contextWindow,
        (a, b) => a > b,
      );
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
    case "simulator":
      return "Only simulator models qualify, and a real provider is enabled: add or enable a model of that provider on the Models page (or pin a simulator model)";
    case "generation":
      return "No model that can generate text satisfies the policy: the only candidates are embedding models";
    default:
      return `No enabled model satisfies the policy (${describeConstraints(req)})`;
  }
}
