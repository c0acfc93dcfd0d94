import { describe, expect, it } from "vitest";
import { labelKeyAction } from "./label-keys";

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe("the labelling view's keys", () => {
  it("maps j/k, p/r/f, 1-5, n and Enter", () => {
    expect(labelKeyAction(key("j"), false)).toEqual({ kind: "move", by: 1 });
    expect(labelKeyAction(key("k"), false)).toEqual({ kind: "move", by: -1 });
    expect(labelKeyAction(key("p"), false)).toEqual({ kind: "verdict", verdict: "pass" });
    expect(labelKeyAction(key("r"), false)).toEqual({ kind: "verdict", verdict: "revise" });
    expect(labelKeyAction(key("f"), false)).toEqual({ kind: "verdict", verdict: "fail" });
    expect(labelKeyAction(key("3"), false)).toEqual({ kind: "score", score: 3 });
    expect(labelKeyAction(key("6"), false)).toBeNull();
    expect(labelKeyAction(key("n"), false)).toEqual({ kind: "note" });
    expect(labelKeyAction(key("Enter"), false)).toEqual({ kind: "save" });
  });

  it("leaves keys alone while typing the note or with a modifier (the browser's shortcuts stay)", () => {
    expect(labelKeyAction(key("p"), true)).toBeNull();
    expect(labelKeyAction(key("Enter"), true)).toBeNull();
    expect(labelKeyAction(key("r", { ctrlKey: true }), false)).toBeNull();
    expect(labelKeyAction(key("j", { metaKey: true }), false)).toBeNull();
  });
});
