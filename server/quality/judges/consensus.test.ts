import { describe, expect, it } from "vitest";
import { consensusOf, criterionScores, overallScore } from "./consensus";

const RUBRIC = {
  criteria: [
    { key: "accuracy", description: "a", weight: 3 },
    { key: "clarity", description: "c", weight: 1 },
  ],
  scale: { min: 1, max: 5 },
};
const T = { passThreshold: 0.7, failThreshold: 0.4 };

describe("judge scores", () => {
  it("normalises each criterion to 0..1 on the scale and weights them", () => {
    const s = criterionScores(RUBRIC, { accuracy: 5, clarity: 1 });
    expect(overallScore(RUBRIC, s)).toBe(0.75);
  });

  it("clamps out-of-scale scores, drops unknown criteria and counts a missing one as the minimum", () => {
    const s = criterionScores(RUBRIC, { accuracy: 9, style: 5 });
    expect(s).toEqual({ accuracy: 5, clarity: 1 });
  });
});

describe("consensus", () => {
  it("uses the mean of the scores, not the labels: pass at or above the pass threshold, fail below the fail threshold", () => {
    expect(consensusOf([0.7, 0.7], T).verdict).toBe("pass");
    expect(consensusOf([0.9, 0.45], T)).toMatchObject({ score: 0.675, verdict: "revise" });
    expect(consensusOf([0.1, 0.6], T)).toMatchObject({ score: 0.35, verdict: "fail" });
  });

  it("reports the spread and 1 - the mean pairwise absolute difference", () => {
    expect(consensusOf([1, 1, 1], T)).toMatchObject({ spread: 0, agreement: 1, judges: 3 });
    // pairs: |1-0.5| = 0.5, |1-0| = 1, |0.5-0| = 0.5: mean 2/3
    expect(consensusOf([1, 0.5, 0], T)).toMatchObject({ spread: 1, agreement: 0.3333 });
    expect(consensusOf([0.8], T)).toMatchObject({ spread: 0, agreement: 1, judges: 1 });
  });

  it("no judges: fail (nothing vouches for the output)", () => {
    expect(consensusOf([], T).verdict).toBe("fail");
  });
});
