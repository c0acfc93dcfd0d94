/**
 * Fitting other agents' outputs into a step's context budget (pure: no database, no model).
 *
 * The budget is in tokens, estimated as the gateway does (characters / 4, server/models/gateway.ts), and counts
 * everything the outputs add to the prompt: the heading and each untrusted block's tags and label
 * (./untrusted.ts), so the fitted prompt's estimate is at most the task's plus the budget. Sizes are measured on the
 * outputs as given; neutralising them (./untrusted.ts) never makes a text longer.
 *
 * - `truncate`: when the outputs do not fit, each gets an equal share of the room and what a shorter one leaves is
 *   shared by the others (water-filling); a cut output keeps its beginning and ends with a "[… cut N tokens]" mark.
 *   When the room cannot give each output a minimal share, the oldest outputs are left out first.
 * - `last_k`: the last `keep` outputs, then as `truncate`.
 * - `summarize`: `planSummary` keeps the latest outputs that fit in half the room as they are and names the older
 *   ones to summarise (the runtime makes that summary a step of its own, then fits the result as `truncate`).
 */
import { DEFAULT_CONTEXT_KEEP, type ContextBudget, type ContextStrategy } from "@/lib/schemas/context-budget";
import type { ContextItem } from "./types";
import { withUntrusted } from "./untrusted";

/** Tokens of a text as the gateway estimates them. */
export const tokensOf = (text: string): number => Math.ceil(text.length / 4);

/** The least room (characters) an output keeps: below it, outputs are left out rather than cut to nothing. */
const MIN_SHARE_CHARS = 160;

/** What fitting did to a step's context (kept on the step's result; absent when everything fitted as it was). */
export interface ContextNote {
  budgetTokens: number;
  strategy: ContextStrategy;
  /** outputs offered to the step */
  itemsIn: number;
  /** outputs it saw (cut or whole; a summary counts as one) */
  itemsKept: number;
  /** outputs that were cut */
  itemsCut: number;
  /** tokens left out, by cuts and by outputs left out (summarised ones included) */
  tokensCut: number;
  /** outputs replaced by a summary */
  summarised?: number;
}

export interface Fitted {
  items: ContextItem[];
  note?: ContextNote;
}

/** Characters the outputs add to a prompt besides their own text (heading, tags, labels, line breaks). */
function frameChars(items: readonly ContextItem[]): number {
  if (items.length === 0) return 0;
  return withUntrusted(
    "",
    items.map((i) => ({ from: i.from, output: "" })),
  ).length;
}

/** Characters all the outputs add to a prompt. */
export function contextChars(items: readonly ContextItem[]): number {
  return withUntrusted("", items).length;
}

function cutMark(chars: number): string {
  return `\n[… cut ${Math.ceil(chars / 4)} tokens]`;
}

/** An output cut to at most `room` characters, mark included. */
function cutTo(output: string, room: number): string {
  if (output.length <= room) return output;
  // the mark's length depends on the number it carries: size it for the largest cut, then cut
  const mark = cutMark(output.length);
  const keep = Math.max(0, room - mark.length);
  return `${output.slice(0, keep).trimEnd()}${cutMark(output.length - keep)}`;
}

/** Equal shares of `room` over `sizes`, what a smaller one leaves going to the others; the cap per item. */
function fairCaps(sizes: number[], room: number): number[] {
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  const caps = new Array<number>(sizes.length);
  let left = room;
  order.forEach(({ size, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    caps[i] = Math.min(size, share);
    left -= caps[i]!;
  });
  return caps;
}

/** `items` within `budgetTokens`, cut fairly (oldest left out first when the room is too small to share). */
export function truncateFairly(items: readonly ContextItem[], budgetTokens: number): { items: ContextItem[]; cut: number; tokensCut: number } {
  const budget = Math.max(0, Math.floor(budgetTokens)) * 4;
  let kept = [...items];
  let tokensCut = 0;
  while (kept.length > 0 && budget - frameChars(kept) < kept.length * MIN_SHARE_CHARS && contextChars(kept) > budget) {
    tokensCut += tokensOf(kept[0]!.output);
    kept = kept.slice(1);
  }
  if (contextChars(kept) <= budget) return { items: kept, cut: 0, tokensCut };
  const caps = fairCaps(
    kept.map((i) => i.output.length),
    budget - frameChars(kept),
  );
  let cut = 0;
  const fitted = kept.map((item, i) => {
    if (item.output.length <= caps[i]!) return item;
    cut++;
    const output = cutTo(item.output, caps[i]!);
    tokensCut += tokensOf(item.output) - tokensOf(output);
    return { ...item, output };
  });
  return { items: fitted, cut, tokensCut };
}

/** `items` within `budgetTokens` by `truncate` or `last_k` (a `summarize` budget that needs no summary fits as `truncate`). */
export function fitContext(items: readonly ContextItem[], budgetTokens: number, budget: ContextBudget): Fitted {
  if (contextChars(items) <= budgetTokens * 4) return { items: [...items] };
  const keep = budget.strategy === "last_k" ? (budget.keep ?? DEFAULT_CONTEXT_KEEP) : items.length;
  const dropped = items.slice(0, Math.max(0, items.length - keep));
  const fitted = truncateFairly(items.slice(dropped.length), budgetTokens);
  const droppedTokens = dropped.reduce((n, i) => n + tokensOf(i.output), 0);
  return {
    items: fitted.items,
    note: {
      budgetTokens,
      strategy: budget.strategy,
      itemsIn: items.length,
      itemsKept: fitted.items.length,
      itemsCut: fitted.cut,
      tokensCut: fitted.tokensCut + droppedTokens,
    },
  };
}

export interface SummaryPlan {
  /** the latest outputs, kept as they are */
  keep: ContextItem[];
  /** the older outputs, to summarise */
  older: ContextItem[];
  /** the most tokens the summary may take (its block included) */
  summaryTokens: number;
}

/** For `summarize`: null when everything fits; else which outputs stay and which are summarised. */
export function planSummary(items: readonly ContextItem[], budgetTokens: number): SummaryPlan | null {
  const budget = budgetTokens * 4;
  if (contextChars(items) <= budget) return null;
  let start = items.length;
  while (start > 0 && contextChars(items.slice(start - 1)) <= budget / 2) start--;
  const keep = items.slice(start);
  return { keep, older: items.slice(0, start), summaryTokens: Math.max(0, Math.floor((budget - contextChars(keep)) / 4)) };
}

/** The summary as one context item, in front of the outputs kept. */
export function summaryItem(older: readonly ContextItem[], summary: string): ContextItem {
  const from = older.length === 1 ? older[0]!.from : `${older.length} earlier outputs (${older.map((o) => o.from).join(", ")})`;
  return { from: `summary of ${from}`, output: summary };
}
