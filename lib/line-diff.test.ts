import { describe, expect, it } from "vitest";
import { canonicalJson, lineDiff, sameJson } from "./line-diff";

const render = (before: string, after: string) => lineDiff(before, after).map((l) => `${l.op === "add" ? "+" : l.op === "remove" ? "-" : " "}${l.text}`);

describe("lineDiff", () => {
  it("marks removed and added lines between equal ones", () => {
    expect(render("a\nb\nc\nd", "a\nc\nx\nd")).toEqual([" a", "-b", " c", "+x", " d"]);
    expect(render("", "one\ntwo")).toEqual(["+one", "+two"]);
    expect(render("one\ntwo", "")).toEqual(["-one", "-two"]);
    expect(render("same", "same")).toEqual([" same"]);
    expect(render("a\r\nb", "a\nb")).toEqual([" a", " b"]);
  });

  it("finds the longest common subsequence in the middle", () => {
    const out = lineDiff("x\na\nb\nc\ny", "x\nb\nc\na\ny");
    expect(out.filter((l) => l.op === "equal").map((l) => l.text)).toEqual(["x", "b", "c", "y"]);
    expect(out.filter((l) => l.op !== "equal")).toHaveLength(2);
  });

  it("stays bounded on large, entirely different texts", () => {
    const a = Array.from({ length: 5000 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 5000 }, (_, i) => `b${i}`).join("\n");
    const started = Date.now();
    const out = lineDiff(a, b);
    expect(out).toHaveLength(10_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("canonicalJson", () => {
  it("orders keys (topology first) so that equal values compare equal", () => {
    expect(canonicalJson({ b: 1, topology: "x", a: [{ d: 1, c: 2 }] })).toBe('{"topology":"x","a":[{"c":2,"d":1}],"b":1}');
    expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });
});
