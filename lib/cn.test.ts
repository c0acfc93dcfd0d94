import { describe, expect, it } from "vitest";
import { cn } from "./cn";

describe("cn", () => {
  it("drops falsy parts and lets a later utility of the same kind win", () => {
    expect(cn("px-2 py-1", false && "hidden", undefined, "px-4")).toBe("py-1 px-4");
    expect(cn("text-sm", { "font-medium": true, italic: false })).toBe("text-sm font-medium");
  });
});
