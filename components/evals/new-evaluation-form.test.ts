// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { NewEvaluationForm } from "./new-evaluation-form";

afterEach(cleanup);

const page = <T>(items: T[]) => ({ items, nextCursor: null });

describe("NewEvaluationForm", () => {
  it("evaluates a given version and, for a candidate, asks to promote it when it passes", async () => {
    const ui = userEvent.setup();
    const calls = fakeApi({
      "agents.list": () => page([{ id: "agt_1", slug: "writer", name: "Writer", currentVersion: 1 }]),
      "teams.list": () => page([]),
      "judges.list": () => page([{ id: "jdg_1", slug: "facts", name: "Facts" }]),
      "evaluations.create": () => ({ id: "evl_1" }),
    });
    renderAs("member", calls, () => h(NewEvaluationForm, { dataset: "dst_1" }));
    await screen.findByRole("option", { name: /Agent Writer/ });
    await ui.selectOptions(screen.getByTestId("evaluation-target"), "agent:writer");
    await ui.click(await screen.findByRole("checkbox", { name: "Facts" }));
    await ui.type(screen.getByTestId("evaluation-version"), "2");
    await ui.click(screen.getByTestId("evaluation-promote"));
    await ui.click(screen.getByTestId("evaluation-start"));
    await waitFor(() => expect(calls["evaluations.create"]).toHaveBeenCalledTimes(1));
    expect(calls["evaluations.create"]).toHaveBeenCalledWith(
      expect.objectContaining({ dataset: "dst_1", agent: "writer", judges: ["facts"], version: 2, promote: true }),
    );
  });
});
