import { afterEach, describe, expect, it, vi } from "vitest";
import { builtinTool, toolCall } from "@/test/tool-call";
import { currentTime } from "./current-time";

const now = (input: unknown) => currentTime(input, toolCall(builtinTool("current_time")));

describe("current_time", () => {
  afterEach(() => void vi.useRealTimers());

  it("answers UTC by default and the wall-clock time with its offset in an IANA zone", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-07-01T12:34:56.789Z") });
    expect(await now({})).toEqual({ output: { timeZone: "UTC", iso: "2026-07-01T12:34:56.789Z" } });
    expect(await now({ timeZone: "utc" })).toEqual({ output: { timeZone: "UTC", iso: "2026-07-01T12:34:56.789Z" } });
    expect(await now({ timeZone: "Europe/Paris" })).toEqual({
      output: { timeZone: "Europe/Paris", iso: "2026-07-01T14:34:56+02:00", utc: "2026-07-01T12:34:56.789Z" },
    });
    expect((await now({ timeZone: "America/New_York" })).output).toMatchObject({ iso: "2026-07-01T08:34:56-04:00" });
    expect((await now({ timeZone: "Asia/Kolkata" })).output).toMatchObject({ iso: "2026-07-01T18:04:56+05:30" });
    vi.setSystemTime(new Date("2026-01-15T00:00:00Z"));
    expect((await now({ timeZone: "Europe/Paris" })).output).toMatchObject({ iso: "2026-01-15T01:00:00+01:00" });
    expect((await now({ timeZone: "Africa/Abidjan" })).output).toMatchObject({ iso: "2026-01-15T00:00:00+00:00" });
  });

  it("an unknown zone is an error the agent hears", async () => {
    expect(await now({ timeZone: "Mars/Olympus_Mons" })).toMatchObject({ isError: true, output: expect.stringContaining("not an IANA time zone") });
    expect(await now({ timeZone: "'; DROP" })).toMatchObject({ isError: true });
  });
});
