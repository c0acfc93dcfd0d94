/**
 * A call's context budget: how many tokens other agents' outputs may add to its prompt so that the call still
 * routes to the model it routes to without them. Routed exactly as the gateway routes the call (same catalog, policy,
 * capabilities, open circuits, prompt estimate), then:
 *   the chosen model's window - the output budget - the system prompt and task,
 * and, under a cost cap per call, no more than the cap leaves for input at that model's prices. Fitting the outputs
 * into it (server/topologies/context-budget.ts) keeps the chosen model feasible, so the router never moves to a
 * larger (pricier) model because the prompt grew.
 */
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { modelCircuitBreaker } from "./circuit-breaker";
import { estimatePromptTokens } from "./gateway";
import { ensureCatalogOnce, loadCatalog, resolvePolicy, routeFor } from "./routing";

export interface ContextBudgetRequest {
  policy: ModelPolicy;
  system: string;
  /** the prompt without other agents' outputs */
  prompt: string;
  maxOutputTokens: number;
  /** a structured answer is asked (the "json" capability) */
  json?: boolean;
}

export interface ContextBudgetOut {
  tokens: number;
  /** the model the budget is for (catalog id) */
  modelId: string;
}

/** The budget, or undefined when the call routes nowhere even without the outputs (the call itself then says why). */
export async function contextBudgetFor(ctx: TenantContext, req: ContextBudgetRequest): Promise<ContextBudgetOut | undefined> {
  const breaker = modelCircuitBreaker();
  try {
    await ensureCatalogOnce(ctx);
    const [resolved, catalog] = await Promise.all([resolvePolicy(ctx, req.policy), loadCatalog(ctx)]);
    const promptTokens = estimatePromptTokens({ system: req.system, prompt: req.prompt });
    const decision = routeFor(catalog.entries, {
      resolved,
      promptTokens,
      maxOutputTokens: req.maxOutputTokens,
      needs: req.json ? ["json"] : [],
      openCircuits: breaker.openIds(catalog.entries),
    });
    const model = decision.chosen;
    let tokens = model.contextWindow - req.maxOutputTokens - promptTokens;
    const maxCost = decision.constraints.maxCostPerCallUsd;
    if (maxCost !== undefined && model.inputPrice > 0) {
      const inputTokensAllowed = Math.floor((maxCost * 1e6 - req.maxOutputTokens * model.outputPrice) / model.inputPrice);
      tokens = Math.min(tokens, inputTokensAllowed - promptTokens);
    }
    return { tokens: Math.max(0, tokens), modelId: model.id };
  } catch {
    return undefined;
  }
}
