/**
 * Part (8) of `npm run bench:orchestration`: what a context budget costs per step (issue 10 §2). For a step whose
 * other agents' outputs do not fit (window 4,000 tokens, 2-8 outputs of ~2,750 tokens): the budget (the router's
 * choice without the outputs, server/models/context-budget.ts) plus the fitting (server/topologies/context-budget.ts)
 * for `truncate` and `last_k`; for `summarize`, the extra step's gateway call (on the 0 ms stub: the model's own
 * latency comes on top on a real provider).
 */
import { performance } from "node:perf_hooks";
import type { SchedulingHelpers } from "./scheduling";

type Helpers = Pick<SchedulingHelpers, "parts" | "stats" | "line" | "load" | "workspace">;

export async function contextBudgetBench(h: Helpers): Promise<void> {
  if (!h.parts.has("8")) return;
  const { db } = await import("../../server/db/client");
  const { contextBudgetFor } = await import("../../server/models/context-budget");
  const { generate, settleObservations } = await import("../../server/models/gateway");
  const { invalidateCatalogCache } = await import("../../server/models/catalog-cache");
  const { fitContext } = await import("../../server/topologies/context-budget");
  const { withUntrusted } = await import("../../server/topologies/untrusted");
  const { summaryTask, summarizerSystemOf } = await import("../../server/jobs/prompts");
  const { ctx, models } = await h.workspace("ctx");
  await db(ctx).model.update({ where: { id: models.zero! }, data: { contextWindow: 4000 } });
  invalidateCatalogCache(ctx.workspaceId);
  const policy = { type: "pinned", modelId: models.zero! } as const;
  const system = "You are Bench. You write one part of a report.";
  const long = (i: number) => ({ from: `agent (s${i})`, output: `output ${i} `.repeat(1200) });

  const times: Record<"truncate" | "last_k", number[]> = { truncate: [], last_k: [] };
  for (let i = 0; i < 220; i++) {
    for (const strategy of ["truncate", "last_k"] as const) {
      const items = Array.from({ length: 2 + (i % 7) }, (_, k) => long(k));
      const t0 = performance.now();
      const room = await contextBudgetFor(ctx, { policy, system, prompt: "Continue the report.", maxOutputTokens: 256 });
      fitContext(items, room!.tokens, { strategy, keep: 2 });
      if (i >= 20) times[strategy].push(performance.now() - t0);
    }
  }
  const summaries: number[] = [];
  for (let i = 0; i < 60; i++) {
    const prompt = withUntrusted(
      summaryTask(500),
      [long(1), long(2)].map((x) => ({ ...x, output: x.output.slice(0, 5000) })),
    );
    const t0 = performance.now();
    await generate(ctx, { policy, system: summarizerSystemOf({ name: "Bench" }), prompt, maxOutputTokens: 64 });
    if (i >= 10) summaries.push(performance.now() - t0);
  }
  await settleObservations();
  console.log("\n(8) context budgets (a step whose outputs do not fit: window 4,000 tokens, 2-8 outputs of ~2,750 tokens)");
  console.log(h.line("budget + fitting, truncate", h.stats(times.truncate)));
  console.log(h.line("budget + fitting, last_k (k = 2)", h.stats(times.last_k)));
  console.log(h.line("summarize: the extra step's gateway call (stub 0 ms)", h.stats(summaries)));
  console.log(`    load average (1 min): ${h.load()}`);
}
