import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./circuit-breaker";

function clocked(options: { failureThreshold?: number; coolDownMs?: number } = {}) {
  let now = 1_000;
  const breaker = new CircuitBreaker({ ...options, now: () => now });
  return { breaker, advance: (ms: number) => (now += ms) };
}

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures (default 3) and skips the model", () => {
    const { breaker } = clocked();
    breaker.onFailure("m");
    breaker.onFailure("m");
    expect(breaker.state("m")).toBe("closed");
    expect(breaker.allows("m")).toBe(true);
    breaker.onFailure("m");
    expect(breaker.state("m")).toBe("open");
    expect(breaker.allows("m")).toBe(false);
    expect(breaker.tryAcquire("m")).toBe(false);
    expect(breaker.openIds(["m", "other"])).toEqual(new Set(["m"]));
  });

  it("says when an open circuit lets a trial through (recoversAt), and shortly while a trial is in flight", () => {
    const { breaker, advance } = clocked({ failureThreshold: 1, coolDownMs: 30_000 });
    expect(breaker.recoversAt("m")).toBeNull();
    breaker.onFailure("m");
    expect(breaker.recoversAt("m")).toBe(1_000 + 30_000);
    advance(30_000);
    expect(breaker.recoversAt("m")).toBeNull(); // half-open: a trial may go now
    expect(breaker.tryAcquire("m")).toBe(true);
    expect(breaker.recoversAt("m")).toBe(31_000 + 1_000); // the trial decides soon
    breaker.onFailure("m");
    expect(breaker.recoversAt("m")).toBe(31_000 + 30_000);
  });

  it("holds a provider until its Retry-After for every caller, never shortening a hold; reset clears holds", () => {
    const { breaker, advance } = clocked();
    expect(breaker.heldUntil("p")).toBeNull();
    breaker.hold("p", 5_000);
    breaker.hold("p", 3_000);
    expect(breaker.heldUntil("p")).toBe(5_000);
    advance(4_000);
    expect(breaker.heldUntil("p")).toBeNull();
    breaker.hold("p", 9_000);
    breaker.reset();
    expect(breaker.heldUntil("p")).toBeNull();
  });

  it("a success resets the consecutive count", () => {
    const { breaker } = clocked({ failureThreshold: 2 });
    breaker.onFailure("m");
    breaker.onSuccess("m");
    breaker.onFailure("m");
    expect(breaker.state("m")).toBe("closed");
    breaker.onFailure("m");
    expect(breaker.state("m")).toBe("open");
  });

  it("half-open after the cool-down lets exactly one trial through; success closes", () => {
    const { breaker, advance } = clocked({ failureThreshold: 1, coolDownMs: 30_000 });
    breaker.onFailure("m");
    advance(29_999);
    expect(breaker.state("m")).toBe("open");
    advance(1);
    expect(breaker.state("m")).toBe("half_open");
    expect(breaker.allows("m")).toBe(true);
    expect(breaker.tryAcquire("m")).toBe(true);
    // the trial is in flight: everyone else still skips the model
    expect(breaker.allows("m")).toBe(false);
    expect(breaker.tryAcquire("m")).toBe(false);
    breaker.onSuccess("m");
    expect(breaker.state("m")).toBe("closed");
    expect(breaker.openIds(["m"]).size).toBe(0);
  });

  it("a failed trial opens the circuit for another cool-down", () => {
    const { breaker, advance } = clocked({ failureThreshold: 3, coolDownMs: 100 });
    for (let i = 0; i < 3; i++) breaker.onFailure("m");
    advance(100);
    expect(breaker.tryAcquire("m")).toBe(true);
    breaker.onFailure("m");
    expect(breaker.state("m")).toBe("open");
    advance(99);
    expect(breaker.state("m")).toBe("open");
    advance(1);
    expect(breaker.state("m")).toBe("half_open");
  });

  it("release() frees an aborted trial; configure() and reset() work", () => {
    const { breaker, advance } = clocked({ failureThreshold: 1, coolDownMs: 10 });
    breaker.onFailure("m");
    advance(10);
    expect(breaker.tryAcquire("m")).toBe(true);
    breaker.release("m");
    expect(breaker.tryAcquire("m")).toBe(true);
    breaker.configure({ failureThreshold: 5, coolDownMs: 50 });
    expect(breaker.settings).toEqual({ failureThreshold: 5, coolDownMs: 50 });
    breaker.reset();
    expect(breaker.state("m")).toBe("closed");
  });
});
