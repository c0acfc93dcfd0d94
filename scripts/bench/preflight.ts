/**
 * `npx tsx scripts/bench/preflight.ts`: what the preflight adds to a run start (server/teams/preflight.ts): routing
 * every agent of the pinned versions (for JSON where structured) and the estimate, over an already-read catalog
 * (at run start the catalog comes from the per-process cache: a database read at most every 2 s per workspace).
 * Teams: the 3-agent sequential team of `bench:orchestration`'s "3-agent run over HTTP", a maker-checker, and a
 * hybrid of a 12-agent mesh nesting a hierarchical team; catalogs of 4 and of 500 models.
 * Options: --iterations <n> (default 5000).
 */
import { performance } from "node:perf_hooks";
import { topologySpecSchema, type TopologySpec } from "../../lib/schemas/topology";
import { modelConstraintsSchema, type ModelPolicy } from "../../lib/schemas/model-policy";
import type { CatalogEntry } from "../../server/models/router";
import type { RoutingSnapshot } from "../../server/models/routing";
import type { TenantContext } from "../../server/context";
import { preflight, type PreflightAgent } from "../../server/teams/preflight";

const args = process.argv.slice(2);
const i = args.indexOf("--iterations");
const ITERATIONS = i >= 0 ? Number(args[i + 1]) : 5_000;

function catalogOf(n: number): CatalogEntry[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `m${k}`,
    providerId: `p${k % 7}`,
    providerKind: "openai_compatible",
    providerName: `P${k % 7}`,
    isLocal: k % 5 === 0,
    modelId: `model-${k}`,
    displayName: `Model ${k}`,
    inputPrice: (k % 13) / 4,
    outputPrice: (k % 11) / 2,
    contextWindow: [8_192, 32_000, 128_000, 200_000][k % 4]!,
    capabilities: k % 3 === 0 ? ["tools"] : ["tools", "json"],
    quality: 0.3 + (k % 7) / 10,
    enabled: k % 17 !== 0,
    latencyP95Ms: k % 2 ? 400 + k : null,
    errorRate: (k % 9) / 100,
  }));
}

const presets = new Map([["fast", modelConstraintsSchema.parse({ minQuality: 0.3, maxP95LatencyMs: 2000 })]]);
const snapshot = (entries: CatalogEntry[]): RoutingSnapshot => ({
  entries,
  resolve: (policy: ModelPolicy) => {
    if (policy.type !== "preset") throw new Error("bench: presets only");
    return { constraints: presets.get(policy.preset)! };
  },
});
const agent = (slug: string): PreflightAgent => ({
  name: slug,
  roleDescription: `The ${slug}.`,
  instructions: `Do your part as ${slug}. `.repeat(20),
  modelPolicy: { type: "preset", preset: "fast" },
  maxOutputTokens: 1024,
});

const spec = (s: unknown): TopologySpec => topologySpecSchema.parse(s);
const mesh = Array.from({ length: 12 }, (_, k) => `a${k}`);
const cases: { name: string; spec: TopologySpec; teams: Record<string, TopologySpec> }[] = [
  { name: "3-agent sequential", spec: spec({ topology: "sequential", agents: ["a0", "a1", "a2"] }), teams: {} },
  { name: "maker-checker (1 + 2)", spec: spec({ topology: "maker_checker", maker: "a0", checkers: ["a1", "a2"] }), teams: {} },
  {
    name: "12-agent mesh nesting a hierarchy",
    spec: spec({ topology: "hybrid", arrangement: { topology: "mesh", agents: [...mesh.slice(0, 11), { team: "h" }], rounds: 5 } }),
    teams: { h: spec({ topology: "hierarchical", manager: "a0", workers: ["a1", "a2", "a3"], depth: 2, maxSubtasks: 8 }) },
  },
];
const agents = Object.fromEntries(mesh.map((s) => [s, agent(s)]));
const ctx = { workspaceId: "ws_bench" } as unknown as TenantContext;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function main() {
  for (const size of [4, 500]) {
    const routing = snapshot(catalogOf(size));
    for (const c of cases) {
      const input = { spec: c.spec, teams: c.teams, agents, taskTokens: 250, routing };
      for (let k = 0; k < 200; k++) await preflight(ctx, input); // warm-up
      const samples: number[] = [];
      for (let k = 0; k < ITERATIONS; k++) {
        const t0 = performance.now();
        await preflight(ctx, input);
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      const f = (v: number) => `${(v * 1000).toFixed(1)} µs`;
      console.log(`${size} models, ${c.name}: p50 ${f(percentile(samples, 50))}, p99 ${f(percentile(samples, 99))} (${ITERATIONS} runs)`);
    }
  }
}

void main();
