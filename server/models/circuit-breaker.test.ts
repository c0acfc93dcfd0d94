import { describe, expect, it } from "vitest";
import { seededRandom } from "@/lib/seeded-random";
import { type CircuitBreakerOptions, CircuitBreaker } from "./circuit-breaker";

function clocked(options: CircuitBreakerOptions = {}) {
  let now = 1_000;
  const breaker = new CircuitBreaker({ ...options, now: () => now });
  return { breaker, advance: (ms: number) => (now += ms), now: () => now };
}

/** One call of model `id` (of provider `provider`) that ends as told; false when the breaker did not let it go. */
function call(breaker: CircuitBreaker, id: string, ok: boolean, provider?: string, providerFault = true): boolean {
  const permit = breaker.acquire(id, provider);
  if (!permit) return false;
  if (ok) permit.success();
  else permit.failure(providerFault);
  return true;
}

/** A seeded generator: the property checks below are reproducible. */
const random = seededRandom;

describe("CircuitBreaker: a failure ratio over a window", () => {
  it("fail, fail, succeed repeated opens it at a ratio of 2/3 or below, never above", () => {
    // window = minimum = 9 calls: once full, every window of the pattern holds exactly 6 failures of 9
    for (const ratio of [0.4, 0.5, 0.6, 2 / 3, 0.67, 0.7, 0.9]) {
      const { breaker } = clocked({ failureRatio: ratio, minimumCalls: 9, windowSize: 9 });
      let openedAt: number | null = null;
      for (let i = 0; i < 300 && openedAt === null; i++) {
        expect(call(breaker, "m", i % 3 === 2)).toBe(true);
        if (breaker.state("m") === "open") openedAt = i + 1;
      }
      if (ratio <= 2 / 3) expect(openedAt, `ratio ${ratio}`).toBe(10);
      else expect(openedAt, `ratio ${ratio}`).toBeNull();
    }
  });

  it("opens exactly when a reference model of the window says so (random outcomes and settings)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const failureRatio = [0.25, 0.5, 0.6, 0.75, 1][Math.floor(rnd() * 5)]!;
      const minimumCalls = 1 + Math.floor(rnd() * 8);
      const windowSize = minimumCalls + Math.floor(rnd() * 10);
      const failP = rnd();
      const { breaker } = clocked({ failureRatio, minimumCalls, windowSize, coolDownMs: 1e9 });
      const window: boolean[] = [];
      let expectedOpen = false;
      for (let i = 0; i < 60 && !expectedOpen; i++) {
        const ok = rnd() >= failP;
        window.push(ok);
        if (window.length > windowSize) window.shift();
        const failed = window.filter((x) => !x).length;
        expectedOpen = !ok && window.length >= minimumCalls && failed / window.length >= failureRatio;
        expect(call(breaker, "m", ok)).toBe(true);
        expect(breaker.state("m"), `seed ${seed}, call ${i + 1}`).toBe(expectedOpen ? "open" : "closed");
      }
    }
  });

  it("needs the minimum number of calls; outcomes older than the window no longer count", () => {
    const { breaker, advance } = clocked({ minimumCalls: 3, windowMs: 10_000 });
    call(breaker, "m", false);
    call(breaker, "m", false);
    expect(breaker.state("m")).toBe("closed"); // two failures of two: 100%, but under the minimum
    advance(10_001);
    call(breaker, "m", false);
    expect(breaker.state("m")).toBe("closed"); // the first two fell out of the window
    call(breaker, "m", false);
    call(breaker, "m", false);
    expect(breaker.state("m")).toBe("open");
    expect(breaker.allows("m")).toBe(false);
    expect(breaker.acquire("m")).toBeNull();
    expect(breaker.openIds(["m", "other"])).toEqual(new Set(["m"]));
  });
});

describe("CircuitBreaker: stale outcomes", () => {
  it("a success of a call that started before the circuit opened does not close it", () => {
    const { breaker } = clocked({ minimumCalls: 2 });
    const slow = breaker.acquire("m")!;
    call(breaker, "m", false);
    call(breaker, "m", false);
    expect(breaker.state("m")).toBe("open");
    slow.success();
    expect(breaker.state("m")).toBe("open");
  });

  it("a failure of a call that started before the circuit closed does not count in the new window", () => {
    const { breaker, advance } = clocked({ minimumCalls: 1, coolDownMs: 100 });
    const before = breaker.acquire("m")!;
    call(breaker, "m", false);
    advance(100);
    expect(call(breaker, "m", true)).toBe(true); // the trial closes it
    expect(breaker.state("m")).toBe("closed");
    before.failure();
    expect(breaker.state("m")).toBe("closed"); // a minimum of 1: it would have opened it again
  });

  it("a permit settles once", () => {
    const { breaker } = clocked({ minimumCalls: 2 });
    const permit = breaker.acquire("m")!;
    permit.failure();
    permit.failure();
    expect(breaker.state("m")).toBe("closed");
  });
});

describe("CircuitBreaker: half-open", () => {
  it("lets a limited number of trials through after the cool-down; that many successes close it", () => {
    const { breaker, advance, now } = clocked({ minimumCalls: 1, coolDownMs: 30_000, halfOpenTrials: 3 });
    expect(breaker.recoversAt("m")).toBeNull();
    call(breaker, "m", false);
    expect(breaker.recoversAt("m")).toBe(now() + 30_000);
    advance(29_999);
    expect(breaker.state("m")).toBe("open");
    advance(1);
    expect(breaker.state("m")).toBe("half_open");
    expect(breaker.recoversAt("m")).toBeNull(); // a trial may go now
    const trials = [breaker.acquire("m"), breaker.acquire("m"), breaker.acquire("m")];
    expect(trials.every(Boolean)).toBe(true);
    expect(breaker.acquire("m")).toBeNull(); // every trial taken: others still skip it
    expect(breaker.openIds(["m"])).toEqual(new Set(["m"]));
    expect(breaker.recoversAt("m")).toBe(now() + 1_000); // the trials decide soon
    trials[0]!.release(); // an aborted trial gives its place back
    const replacement = breaker.acquire("m");
    expect(replacement).not.toBeNull();
    trials[1]!.success();
    trials[2]!.success();
    expect(breaker.state("m")).toBe("half_open");
    replacement!.success();
    expect(breaker.state("m")).toBe("closed");
    expect(breaker.openIds(["m"]).size).toBe(0);
  });

  it("a failed trial opens it for another cool-down; the other trials' outcomes are then stale", () => {
    const { breaker, advance, now } = clocked({ minimumCalls: 3, coolDownMs: 100, halfOpenTrials: 2 });
    for (let i = 0; i < 3; i++) call(breaker, "m", false);
    advance(100);
    const [first, second] = [breaker.acquire("m")!, breaker.acquire("m")!];
    first.failure();
    expect(breaker.state("m")).toBe("open");
    expect(breaker.recoversAt("m")).toBe(now() + 100);
    second.success();
    expect(breaker.state("m")).toBe("open");
    advance(99);
    expect(breaker.state("m")).toBe("open");
    advance(1);
    expect(breaker.state("m")).toBe("half_open");
  });
});

describe("CircuitBreaker: the provider circuit", () => {
  const opts = { minimumCalls: 3, providerMinimumCalls: 4, providerMinimumModels: 2, coolDownMs: 1_000 };

  it("opens when several of its models fail; every model of the provider is then skipped, other providers not", () => {
    const { breaker, advance, now } = clocked(opts);
    for (const m of ["a", "b", "c", "a"]) call(breaker, m, false, "p");
    expect(breaker.providerState("p")).toBe("open");
    expect(["a", "b", "c"].map((m) => breaker.state(m))).toEqual(["closed", "closed", "closed"]); // no model alone
    expect(breaker.allows("d", "p")).toBe(false);
    expect(breaker.acquire("d", "p")).toBeNull();
    expect(breaker.allows("z", "q")).toBe(true);
    const entries = [
      { id: "a", providerId: "p" },
      { id: "d", providerId: "p" },
      { id: "z", providerId: "q" },
    ];
    expect(breaker.openIds(entries)).toEqual(new Set(["a", "d"]));
    expect(breaker.recoversAt("d", "p")).toBe(now() + 1_000);
    expect(breaker.recoversAt("d")).toBeNull(); // the model's own circuit is closed

    // half-open: one trial through any of its models, its success closes the provider circuit
    advance(1_000);
    expect(breaker.providerState("p")).toBe("half_open");
    const trial = breaker.acquire("d", "p")!;
    expect(breaker.acquire("a", "p")).toBeNull();
    trial.success();
    expect(breaker.providerState("p")).toBe("closed");
    expect(breaker.openIds(entries).size).toBe(0);
  });

  it("one model failing alone, or failures that are not the provider's, do not open it", () => {
    const { breaker } = clocked({ ...opts, minimumCalls: 10 });
    for (let i = 0; i < 8; i++) call(breaker, "a", false, "p");
    expect(breaker.providerState("p")).toBe("closed"); // one model: its own circuit's business
    for (let i = 0; i < 8; i++) call(breaker, "b", false, "q", false);
    expect(breaker.providerState("q")).toBe("closed");
    call(breaker, "b", false, "p");
    expect(breaker.providerState("p")).toBe("open");
  });

  it("successes of its models keep the ratio down", () => {
    const { breaker } = clocked(opts);
    for (let i = 0; i < 10; i++) {
      call(breaker, "a", false, "p");
      call(breaker, "b", true, "p");
      call(breaker, "c", true, "p");
    }
    expect(breaker.providerState("p")).toBe("closed");
  });

  it("the later of the model's and the provider's recovery", () => {
    const { breaker, advance, now } = clocked({ ...opts, minimumCalls: 1 });
    call(breaker, "a", false, "p");
    const modelBack = now() + 1_000;
    advance(500);
    call(breaker, "b", false, "p");
    call(breaker, "c", false, "p");
    call(breaker, "d", false, "p");
    expect(breaker.providerState("p")).toBe("open");
    expect(breaker.recoversAt("a")).toBe(modelBack);
    expect(breaker.recoversAt("a", "p")).toBe(now() + 1_000);
  });

  it("trip opens a circuit at once", () => {
    const { breaker } = clocked(opts);
    breaker.trip("p", "provider");
    expect(breaker.allows("a", "p")).toBe(false);
    breaker.trip("m");
    expect(breaker.state("m")).toBe("open");
  });
});

describe("CircuitBreaker: holds and settings", () => {
  it("holds a provider until its Retry-After has passed, never shortening a hold", () => {
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

  it("configure changes the settings (failureThreshold is the minimum of calls), reset closes every circuit", () => {
    const { breaker } = clocked({ minimumCalls: 1 });
    call(breaker, "m", false, "p");
    expect(breaker.state("m")).toBe("open");
    breaker.configure({ failureThreshold: 5, coolDownMs: 50, failureRatio: 0.8 });
    expect(breaker.settings).toMatchObject({ minimumCalls: 5, coolDownMs: 50, failureRatio: 0.8 });
    breaker.reset();
    expect(breaker.state("m")).toBe("closed");
    expect(breaker.openIds(["m"]).size).toBe(0);
  });
});
