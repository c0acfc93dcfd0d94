import { describe, expect, it } from "vitest";
import { contextChars, fitContext, planSummary, summaryItem, tokensOf, truncateFairly } from "./context-budget";
import type { ContextItem } from "./types";

const item = (from: string, chars: number, fill = from[0]!): ContextItem => ({ from, output: fill.repeat(chars) });
const kept = (items: ContextItem[], from: string) => items.find((i) => i.from === from)?.output ?? "";

describe("fitting other agents' outputs into a context budget", () => {
  it("leaves outputs that fit as they are, with no note", () => {
    const items = [item("a (s0)", 400), item("b (s1)", 400)];
    const fitted = fitContext(items, 1000, { strategy: "truncate" });
    expect(fitted.items).toEqual(items);
    expect(fitted.note).toBeUndefined();
  });

  it("truncate: equal shares, and what a short output leaves goes to the long ones", () => {
    const items = [item("a (s0)", 8000), item("b (s1)", 400), item("c (s2)", 8000)];
    const budget = 1500;
    const fitted = fitContext(items, budget, { strategy: "truncate" });
    // within the budget, the frame (heading, tags, labels) included
    expect(contextChars(fitted.items)).toBeLessThanOrEqual(budget * 4);
    // the short one is whole; the two long ones share the rest equally and say how much was cut
    expect(kept(fitted.items, "b (s1)")).toBe("b".repeat(400));
    const a = kept(fitted.items, "a (s0)");
    const c = kept(fitted.items, "c (s2)");
    expect(Math.abs(a.length - c.length)).toBeLessThanOrEqual(1);
    expect(a.length).toBeGreaterThan(2400); // far more than a third of the room: b's unused share went to them
    expect(a).toMatch(/\n\[… cut \d+ tokens\]$/);
    expect(a.startsWith("aaaa")).toBe(true); // the beginning is kept
    expect(fitted.note).toMatchObject({ budgetTokens: budget, strategy: "truncate", itemsIn: 3, itemsKept: 3, itemsCut: 2 });
    expect(fitted.note!.tokensCut).toBeGreaterThan(0);
  });

  it("truncate: a room too small to share leaves the oldest outputs out first", () => {
    const items = [item("a (s0)", 4000), item("b (s1)", 4000), item("c (s2)", 4000)];
    const fitted = truncateFairly(items, 80);
    expect(fitted.items.map((i) => i.from)).toEqual(["c (s2)"]);
    expect(contextChars(fitted.items)).toBeLessThanOrEqual(80 * 4);
    expect(fitted.tokensCut).toBeGreaterThanOrEqual(2000);
  });

  it("truncate: no room at all leaves every output out", () => {
    expect(truncateFairly([item("a (s0)", 4000)], 0).items).toEqual([]);
  });

  it("last_k keeps the last k outputs, then cuts them fairly if they still do not fit", () => {
    const items = [item("a (s0)", 800), item("b (s1)", 800), item("c (s2)", 800), item("d (s3)", 800)];
    const two = fitContext(items, 500, { strategy: "last_k", keep: 2 });
    expect(two.items.map((i) => i.from)).toEqual(["c (s2)", "d (s3)"]);
    expect(two.note).toMatchObject({ strategy: "last_k", itemsIn: 4, itemsKept: 2, itemsCut: 0, tokensCut: 400 });
    const tight = fitContext(items, 300, { strategy: "last_k", keep: 2 });
    expect(tight.items.map((i) => i.from)).toEqual(["c (s2)", "d (s3)"]);
    expect(tight.note!.itemsCut).toBe(2);
    expect(contextChars(tight.items)).toBeLessThanOrEqual(300 * 4);
  });

  it("summarize: keeps the latest outputs that fit in half the room, summarises the older ones", () => {
    const items = [item("a (s0)", 2400), item("b (s1)", 1200), item("c (s2)", 600)];
    expect(planSummary(items, 2000)).toBeNull(); // it all fits
    const plan = planSummary(items, 1000)!;
    expect(plan.keep.map((i) => i.from)).toEqual(["b (s1)", "c (s2)"]);
    expect(plan.older.map((i) => i.from)).toEqual(["a (s0)"]);
    expect(contextChars(plan.keep)).toBeLessThanOrEqual(1000 * 2);
    // the summary gets what the kept outputs leave
    expect(plan.summaryTokens).toBe(Math.floor((1000 * 4 - contextChars(plan.keep)) / 4));
    expect(summaryItem(plan.older, "S").from).toBe("summary of a (s0)");
    expect(summaryItem(items.slice(0, 2), "S").from).toBe("summary of 2 earlier outputs (a (s0), b (s1))");
  });

  it("counts tokens as the gateway does (characters / 4, rounded up)", () => {
    expect(tokensOf("")).toBe(0);
    expect(tokensOf("abcde")).toBe(2);
  });
});
