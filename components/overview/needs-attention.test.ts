// @vitest-environment happy-dom
/**
 * The overview's "Needs attention" card: each count that is not zero, said in words, linking where it is dealt
 * with; nothing at all when nothing waits (or the role may read none of it).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen } from "@testing-library/react";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { NeedsAttention } from "./needs-attention";

afterEach(cleanup);

const items = () =>
  screen.queryAllByTestId("overview-attention-item").map((li) => [li.dataset.item, li.textContent, li.querySelector("a")?.getAttribute("href")]);

describe("Needs attention", () => {
  it("lists each count that is not zero, in words, with a link to where it is dealt with", () => {
    renderAs("member", fakeApi({}), () => h(NeedsAttention, { attention: { approvals: 2, toolsToReview: 1, mcpServers: 0, triggers: 1, schedules: null } }));
    expect(items()).toEqual([
      ["approvals", "2 tool calls wait for a decision", "/w/w/approvals"],
      ["toolsToReview", "1 MCP tool was changed by its server: disabled until reviewed", "/w/w/tools"],
      ["triggers", "1 webhook trigger refused a signed delivery today", "/w/w/automations"],
    ]);
  });

  it("shows nothing when nothing waits, or the role may read none of it", () => {
    renderAs("viewer", fakeApi({}), () => h(NeedsAttention, { attention: { approvals: 0, toolsToReview: 0, mcpServers: 0, triggers: 0, schedules: 0 } }));
    expect(screen.queryByTestId("overview-attention")).toBeNull();
    cleanup();
    renderAs("viewer", fakeApi({}), () =>
      h(NeedsAttention, { attention: { approvals: null, toolsToReview: null, mcpServers: null, triggers: null, schedules: null } }),
    );
    expect(screen.queryByTestId("overview-attention")).toBeNull();
  });
});
