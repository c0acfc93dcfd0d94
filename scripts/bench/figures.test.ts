import { describe, expect, it } from "vitest";
import { meanInterval, pairedInterval, parseFigures } from "./figures";

describe("benchmark protocol statistics", () => {
  it("gives the mean and the Student-t 95% interval", () => {
    const i = meanInterval([10, 12, 11, 13, 9]);
    expect(i.mean).toBe(11);
    // sd = sqrt(2.5); t(4) = 2.776
    expect(i.halfWidth).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 6);
    expect(Number.isNaN(meanInterval([1]).halfWidth)).toBe(true);
  });

  it("pairs before and after run by run, so a drift shared by both cancels out", () => {
    const before = [10, 20, 30, 40, 50];
    const after = before.map((v) => v + 1);
    const paired = pairedInterval(before, after);
    expect(paired.mean).toBe(1);
    expect(paired.halfWidth).toBe(0);
    // unpaired, the same data cannot tell a 1 ms change from nothing
    expect(meanInterval(before).halfWidth).toBeGreaterThan(10);
  });

  it("reads the figure lines of a bench's output and ignores the rest", () => {
    const out = ["(a) routing", '::figure:: {"name":"route.p50","value":0.07,"unit":"ms"}', "::figure:: {broken", "  x"].join("\n");
    expect(parseFigures(out)).toEqual([{ name: "route.p50", value: 0.07, unit: "ms" }]);
  });
});
