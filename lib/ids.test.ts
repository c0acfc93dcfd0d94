import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("gives prefixed ids of the asked length from the id alphabet", () => {
    expect(newId("run")).toMatch(/^run_[0-9a-z]{20}$/);
    expect(newId("key", 32)).toMatch(/^key_[0-9a-z]{32}$/);
    expect(newId("evt", 5000)).toMatch(/^evt_[0-9a-z]{5000}$/);
  });

  it("never repeats across many draws (the random pool is refilled, never reused)", () => {
    const ids = new Set<string>();
    // 20,000 ids of 20 bytes cover the 4,096-byte pool about 100 times
    for (let i = 0; i < 20_000; i++) ids.add(newId("evt"));
    expect(ids.size).toBe(20_000);
    // short ids make repeats likely if bytes were handed out twice: 6 characters, 50,000 draws
    const short = new Set<string>();
    for (let i = 0; i < 50_000; i++) short.add(newId("evt", 6));
    expect(short.size).toBeGreaterThan(49_990);
  });
});
