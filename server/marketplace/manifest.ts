/**
 * The permission manifest of a package (issue 16): computed from what the package contains, never declared. The
 * hosts its tools may call, the secret slots it needs, the memory scopes its agents read and write, whether calls
 * wait for approvals, whether agents start other agents, the judges of their quality gates (and how many judge calls
 * a run makes), and an estimated cost per run from the catalog's prices.
 * Its digest is what an installer consents to (server/marketplace/install*.ts checks it).
 */
import type { MarketplacePackage, PermissionManifest } from "@/lib/schemas/marketplace";
import { MEMORY_POLICY_SCOPES, type MemoryPolicyScope } from "@/lib/schemas/memory-policy";
import { modelConstraintsSchema, type ModelConstraints } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { DEFAULT_PRESETS } from "@/server/models/catalog";
import { route, type CatalogEntry } from "@/server/models/router";
import { routingSnapshot } from "@/server/models/routing";
import { digestOf } from "./signing";

/** The catalog a cost estimate is priced from, and the constraints of a preset by name (default: the built-in presets). */
export interface ManifestPricing {
  entries: readonly CatalogEntry[];
  presetConstraints?: (name: string) => ModelConstraints | undefined;
}

const ANY_URL_TOOLS = new Set(["http_request", "web_fetch"]);
const MEMORY_WRITE_TOOLS = new Set(["remember", "forget"]);
const builtinPreset = (name: string) => DEFAULT_PRESETS.find((p) => p.name === name)?.policy;

/** The host of an http(s) URL or URL template; "*" when a placeholder decides the host or it does not parse. */
export function hostOf(urlTemplate: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/?#:]*)/i.exec(urlTemplate.trim());
  const host = match?.[1]?.toLowerCase() ?? "";
  return !host || host.includes("{{") || host.includes("}}") ? "*" : host;
}

/** The publisher's catalog (for the estimate) and its presets. */
export async function manifestPricing(ctx: TenantContext): Promise<ManifestPricing> {
  const snapshot = await routingSnapshot(ctx);
  return {
    entries: snapshot.entries,
    presetConstraints: (name) => {
      try {
        return snapshot.resolve({ type: "preset", preset: name }).constraints;
      } catch {
        return builtinPreset(name);
      }
    },
  };
}

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];
const byScopeOrder = (scopes: Iterable<MemoryPolicyScope>) => MEMORY_POLICY_SCOPES.filter((s) => new Set(scopes).has(s));
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** The cheapest and dearest priced model that fits the constraints, for one call of `maxOutputTokens`; null when none. */
function priceRange(entries: readonly CatalogEntry[], constraints: ModelConstraints, maxOutputTokens: number): { low: number; high: number } | null {
  let candidates: { id: string; feasible: boolean; estimatedCostUsd: number }[];
  try {
    candidates = route([...entries], { constraints, promptTokens: 0, maxOutputTokens }).candidates;
  } catch {
    return null;
  }
  const priced = candidates.filter((c) => c.feasible && c.estimatedCostUsd > 0).map((c) => c.estimatedCostUsd);
  if (priced.length === 0) return null;
  return { low: Math.min(...priced), high: Math.max(...priced) };
}

export function computeManifest(pkg: MarketplacePackage, pricing: ManifestPricing): PermissionManifest {
  const usedBy = (tool: string) => pkg.agents.filter((a) => a.allowedTools.includes(tool)).map((a) => a.slug);
  const servers = new Map(pkg.mcpServers.map((s) => [s.name, s]));

  const tools = pkg.tools.map((tool) => {
    let hosts: string[] = [];
    if (tool.kind === "builtin") hosts = ANY_URL_TOOLS.has(tool.name) ? ["*"] : [];
    else if (tool.kind === "http") hosts = [hostOf(tool.config.urlTemplate)];
    else {
      const server = servers.get(tool.server);
      hosts = [server ? hostOf(server.url) : "*"];
    }
    return { name: tool.name, kind: tool.kind, hosts, usedBy: usedBy(tool.name), approval: tool.approval.mode };
  });

  const slots = new Map<string, { name: string; host: string | null; usedBy: string[] }>();
  const addSlot = (name: string, host: string | null, tool: string) => {
    const slot = slots.get(name) ?? { name, host, usedBy: [] };
    if (!slot.usedBy.includes(tool)) slot.usedBy.push(tool);
    slots.set(name, slot);
  };
  for (const tool of pkg.tools) {
    if (tool.kind === "http" && tool.secretSlot) addSlot(tool.secretSlot, tool.secretHost ?? hostOf(tool.config.urlTemplate), tool.name);
    if (tool.kind === "mcp") {
      const server = servers.get(tool.server);
      if (server?.secretSlot) addSlot(server.secretSlot, hostOf(server.url), tool.name);
    }
  }

  const reads: MemoryPolicyScope[] = [];
  const writes: MemoryPolicyScope[] = [];
  for (const agent of pkg.agents) {
    const policy = agent.memoryPolicy;
    if (policy) reads.push(...policy.read);
    const writesMemory = policy && (policy.write !== "none" || policy.extractFacts);
    if (writesMemory || agent.allowedTools.some((t) => MEMORY_WRITE_TOOLS.has(t))) writes.push(policy?.writeScope ?? "agent");
  }

  const constraintsOf = (policy: MarketplacePackage["agents"][number]["modelPolicy"]): ModelConstraints =>
    policy.type === "constraints"
      ? modelConstraintsSchema.parse(policy.constraints)
      : (pricing.presetConstraints?.(policy.preset) ?? builtinPreset(policy.preset) ?? modelConstraintsSchema.parse({}));
  const judgeBySlug = new Map((pkg.judges ?? []).map((j) => [j.slug, j]));
  let low = 0;
  let high = 0;
  let priced = false;
  const judgeCalls = { min: 0, max: 0 };
  for (const agent of pkg.agents) {
    const range = priceRange(pricing.entries, constraintsOf(agent.modelPolicy), agent.maxOutputTokens);
    const gate = agent.qualityGate;
    // a gated output is judged by each judge; at worst every revision is used: one more agent call and judging each
    const iterations = gate ? gate.maxRevisions + 1 : 1;
    if (gate) {
      judgeCalls.min += gate.judges.length;
      judgeCalls.max += gate.judges.length * iterations;
    }
    if (!range) continue;
    priced = true;
    low += range.low;
    high += range.high * iterations;
    for (const slug of gate?.judges ?? []) {
      const judge = judgeBySlug.get(slug);
      const judged = judge && priceRange(pricing.entries, constraintsOf(judge.modelPolicy), judge.maxOutputTokens);
      if (!judged) continue;
      low += judged.low;
      high += judged.high * iterations;
    }
  }
  // a team's own gate judges the team's output: its judge calls count (the team's cost per attempt is not priced here)
  for (const team of pkg.teams) {
    const gate = team.qualityGate;
    if (!gate) continue;
    judgeCalls.min += gate.judges.length;
    judgeCalls.max += gate.judges.length * (gate.maxRevisions + 1);
  }
  const judges = (pkg.judges ?? []).map((j) => {
    const teams = pkg.teams.filter((t) => t.qualityGate?.judges.includes(j.slug)).map((t) => t.slug);
    return {
      slug: j.slug,
      name: j.name,
      criteria: j.rubric.criteria.map((c) => ({ key: c.key, description: c.description })),
      usedBy: pkg.agents.filter((a) => a.qualityGate?.judges.includes(j.slug)).map((a) => a.slug),
      // absent without team gates: the manifests (and consent digests) of earlier packages stay as they were
      ...(teams.length > 0 ? { usedByTeams: teams } : {}),
    };
  });

  return {
    tools,
    egressHosts: unique(tools.flatMap((t) => t.hosts)).sort(),
    secretSlots: [...slots.values()],
    memory: { reads: byScopeOrder(reads), writes: byScopeOrder(writes), knowledgeDocuments: pkg.knowledge.length },
    needsApprovals: pkg.tools.some((t) => t.approval.mode !== "never"),
    agents: pkg.agents.length,
    teams: pkg.teams.length,
    subRuns: pkg.agents.some((a) => a.allowedTools.includes("run_agent")),
    estimatedCostPerRunUsd: priced ? { low: round6(low), high: round6(high) } : null,
    // absent without judges, so that a package without gates has the manifest (and consent digest) it had before
    ...(judges.length > 0 ? { judges, judgeCallsPerRun: judgeCalls } : {}),
  };
}

/** The digest of a manifest: what an installer consents to, and what an install checks it against. */
export function manifestDigest(manifest: PermissionManifest): string {
  return digestOf(manifest);
}
