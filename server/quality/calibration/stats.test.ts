import { describe, expect, it } from "vitest";
import { averageRanks, cohensKappa, spearman, type VerdictCategory } from "./stats";

const repeat = <T>(item: T, times: number): T[] => Array.from({ length: times }, () => item);

describe("Cohen's kappa", () => {
  it("matches the textbook 2x2 example (po 0.7, pe 0.5: kappa 0.4, SE 0.1296)", () => {
    // 50 items: both pass 20, A pass / B fail 5, A fail / B pass 10, both fail 15
    const pairs: [VerdictCategory, VerdictCategory][] = [
      ...repeat<[VerdictCategory, VerdictCategory]>(["pass", "pass"], 20),
      ...repeat<[VerdictCategory, VerdictCategory]>(["pass", "fail"], 5),
      ...repeat<[VerdictCategory, VerdictCategory]>(["fail", "pass"], 10),
      ...repeat<[VerdictCategory, VerdictCategory]>(["fail", "fail"], 15),
    ];
    const k = cohensKappa(pairs);
    if (k.status !== "ok") throw new Error(k.status);
    expect(k.value).toBeCloseTo(0.4, 10);
    expect(k.se).toBeCloseTo(Math.sqrt(0.0168), 10);
    expect(k.ci[0]).toBeCloseTo(0.4 - 1.96 * 0.129615, 3);
    expect(k.ci[1]).toBeCloseTo(0.4 + 1.96 * 0.129615, 3);
    expect(k.n).toBe(50);
  });

  it("uses all three labels (hand-computed 3x3 table)", () => {
    // rows judge, columns person: pass 8/1/1, revise 2/5/1, fail 0/1/6 (n 25, po 19/25, pe (10*10+8*7+7*8)/625)
    const cells: [VerdictCategory, VerdictCategory, number][] = [
      ["pass", "pass", 8],
      ["pass", "revise", 1],
      ["pass", "fail", 1],
      ["revise", "pass", 2],
      ["revise", "revise", 5],
      ["revise", "fail", 1],
      ["fail", "pass", 0],
      ["fail", "revise", 1],
      ["fail", "fail", 6],
    ];
    const pairs = cells.flatMap(([a, b, c]) => repeat<[VerdictCategory, VerdictCategory]>([a, b], c));
    const po = 19 / 25;
    const pe = 212 / 625;
    const k = cohensKappa(pairs);
    if (k.status !== "ok") throw new Error(k.status);
    expect(k.value).toBeCloseTo((po - pe) / (1 - pe), 12);
    expect(k.value).toBeCloseTo(0.63680387, 6);
  });

  it("is 1 for perfect agreement, says 'not enough data' below the minimum and 'undefined' when chance agreement is 1", () => {
    const perfect = [...repeat<[VerdictCategory, VerdictCategory]>(["pass", "pass"], 6), ...repeat<[VerdictCategory, VerdictCategory]>(["fail", "fail"], 6)];
    expect(cohensKappa(perfect)).toMatchObject({ status: "ok", value: 1, se: 0 });
    expect(cohensKappa(perfect.slice(0, 9))).toEqual({ status: "insufficient", n: 9, minN: 10 });
    expect(cohensKappa(perfect.slice(0, 3), 3)).toMatchObject({ status: "undefined", n: 3 });
  });
});

describe("Spearman's rho", () => {
  it("matches the textbook example without ties (rho = -29/165)", () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    const r = spearman(iq.map((x, i) => [x, tv[i]!] as const));
    if (r.status !== "ok") throw new Error(r.status);
    expect(r.value).toBeCloseTo(-29 / 165, 12);
    // Fisher z with variance 1.06 / (n - 3)
    const se = Math.sqrt(1.06 / 7);
    expect(r.ci[0]).toBeCloseTo(Math.tanh(Math.atanh(-29 / 165) - 1.959964 * se), 5);
    expect(r.ci[1]).toBeCloseTo(Math.tanh(Math.atanh(-29 / 165) + 1.959964 * se), 5);
    expect(r.ci[0]).toBeLessThan(r.value);
    expect(r.ci[1]).toBeGreaterThan(r.value);
  });

  it("gives tied values their average rank", () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(averageRanks([3, 1, 3, 3])).toEqual([3, 1, 3, 3]);
  });

  it("computes rho on average ranks with ties (hand-computed)", () => {
    // x ranks [1, 2.5, 2.5, 4], y ranks [1, 3, 2, 4]: r = 4.5 / sqrt(4.5 * 5)
    const r = spearman(
      [
        [1, 1],
        [2, 3],
        [2, 2],
        [3, 4],
      ],
      4,
    );
    if (r.status !== "ok") throw new Error(r.status);
    expect(r.value).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it("says 'not enough data' below the minimum and 'undefined' for a constant side", () => {
    expect(
      spearman([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    ).toEqual({ status: "insufficient", n: 3, minN: 10 });
    expect(
      spearman(
        [
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 1],
        ],
        4,
      ),
    ).toMatchObject({ status: "undefined", n: 4 });
  });
});
