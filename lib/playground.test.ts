import { describe, expect, it } from "vitest";
import { conversationKey, MAX_TURNS, parseConversation, runInput, serializeConversation, type PlaygroundTurn } from "./playground";

const turns: PlaygroundTurn[] = [
  { role: "user", text: "Hi" },
  { role: "assistant", text: "Hello!", runId: "run_1", status: "succeeded" },
  { role: "user", text: "Oops" },
  { role: "assistant", text: "The run failed", runId: "run_2", status: "failed" },
];

describe("the playground's conversation", () => {
  it("is kept per person, workspace and target", () => {
    expect(conversationKey("usr_1", "acme", "agent:writer")).toBe("cadre.playground.usr_1.acme.agent:writer");
    expect(conversationKey("usr_2", "acme", "agent:writer")).not.toBe(conversationKey("usr_1", "acme", "agent:writer"));
  });

  it("round-trips, keeps the last turns, and ignores what is not a conversation", () => {
    expect(parseConversation(serializeConversation(turns))).toEqual(turns);
    const many = Array.from({ length: MAX_TURNS + 5 }, (_, i) => ({ role: "user" as const, text: String(i) }));
    expect(parseConversation(serializeConversation(many))[0]?.text).toBe("5");
    expect(parseConversation("not json")).toEqual([]);
    expect(parseConversation('{"role":"user"}')).toEqual([]);
    expect(parseConversation('[{"role":"system","text":"x"},{"role":"user","text":"ok"}]')).toEqual([{ role: "user", text: "ok" }]);
  });

  it("sends the message alone, or after the transcript (without failed answers)", () => {
    expect(runInput(turns, "Next?", false)).toBe("Next?");
    expect(runInput([], "First", true)).toBe("First");
    const input = runInput(turns, "Next?", true);
    expect(input).toContain("User: Hi\n\nAssistant: Hello!\n\nUser: Oops");
    expect(input).not.toContain("The run failed");
    expect(input.endsWith("The new message:\n\nNext?")).toBe(true);
  });

  it("cuts a long transcript from the oldest end", () => {
    const long: PlaygroundTurn[] = [
      { role: "user", text: "a".repeat(30_000) },
      { role: "user", text: "recent" },
    ];
    const input = runInput(long, "m", true);
    expect(input).toContain("recent");
    expect(input.length).toBeLessThan(21_000);
  });
});
