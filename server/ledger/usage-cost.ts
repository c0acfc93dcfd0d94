/**
 * What a call costs, the way the provider invoices it: input tokens read from or written to the prompt cache have
 * their own prices; reasoning tokens are output tokens (priced as output) but are kept apart so a ledger row explains
 * where its output went.
 */
import { Decimal, decimalOf } from "./decimal";

/** the ledger keeps costs with 10 decimals */
const COST_DECIMALS = 10;

/** A call's tokens. `inputTokens` and `outputTokens` are totals; the others are parts of them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

/** The AI SDK's usage shape (only what the ledger reads). */
export interface SdkUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  inputTokenDetails?: { cacheReadTokens?: number | undefined; cacheWriteTokens?: number | undefined };
  outputTokenDetails?: { reasoningTokens?: number | undefined };
}

/** The call's tokens from the provider's report; totals it did not report come from `fallback` (estimates). */
export function tokenUsageOf(usage: SdkUsage | undefined, fallback: { inputTokens: number; outputTokens: number }): TokenUsage {
  const inputTokens = count(usage?.inputTokens) ?? fallback.inputTokens;
  const outputTokens = count(usage?.outputTokens) ?? fallback.outputTokens;
  const cacheReadTokens = Math.min(count(usage?.inputTokenDetails?.cacheReadTokens) ?? 0, inputTokens);
  const cacheWriteTokens = Math.min(count(usage?.inputTokenDetails?.cacheWriteTokens) ?? 0, inputTokens - cacheReadTokens);
  const reasoningTokens = Math.min(count(usage?.outputTokenDetails?.reasoningTokens) ?? 0, outputTokens);
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens };
}

export interface UsagePrices {
  inputPrice: number;
  outputPrice: number;
  cacheReadPrice: number;
  cacheWritePrice: number;
}

/** USD for a call (prices per million tokens), computed in decimal and rounded like every ledger cost. */
export function costOfUsage(prices: UsagePrices, usage: TokenUsage): number {
  const plainInput = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens);
  const micro = [
    [plainInput, prices.inputPrice],
    [usage.cacheReadTokens, prices.cacheReadPrice],
    [usage.cacheWriteTokens, prices.cacheWritePrice],
    [usage.outputTokens, prices.outputPrice],
  ].reduce((sum, [tokens, price]) => sum.plus(new Decimal(tokens!).mul(decimalOf(price!))), new Decimal(0));
  return micro.div(1_000_000).toDecimalPlaces(COST_DECIMALS).toNumber();
}

function count(value: number | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}
