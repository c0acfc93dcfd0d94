// @vitest-environment happy-dom
/**
 * The "Schedules & triggers" page: the lists with next run, last run and status; the schedule form (validation on the
 * shared schema, the next times preview, the create call); the trigger form that shows the URL and secret once; pause;
 * and the read-only viewer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createElement as h } from "react";
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { userEvent } from "@testing-library/user-event";
import { fakeApi, renderAs } from "@/test/ui-harness";
import { formatDateTime } from "@/components/ui/format";
import { AutomationsPage } from "./automations-page";

afterEach(cleanup);

const when = new Date("2027-01-04T10:05:00Z");
const schedule = {
  id: "sch_1",
  name: "Digest",
  targetType: "agent",
  agent: { id: "agt_1", slug: "writer", name: "Writer" },
  team: null,
  cron: "0 9 * * 1-5",
  timezone: "Europe/Berlin",
  input: "Write the digest",
  status: "active",
  allowOverlap: false,
  missedPolicy: "skip",
  nextRunAt: when,
  lastRunId: "run_1",
  lastFiredAt: when,
  lastSkipReason: "overlap",
  lastSkippedAt: when,
  skippedFires: 1,
  lastError: null,
  createdByType: "user",
  createdById: "usr_me",
  createdAt: when,
  updatedAt: when,
};
const trigger = {
  id: "whtr_1",
  name: "GitHub",
  targetType: "agent",
  agent: { id: "agt_1", slug: "writer", name: "Writer" },
  team: null,
  template: "{{ payload }}",
  enabled: true,
  path: "/api/hooks/whtr_1",
  secretRotatedAt: null,
  deliveries: 3,
  lastDeliveryAt: when,
  lastRunId: "run_2",
  refusedDeliveries: 2,
  lastRefusedAt: when,
  lastRefusal: "RATE_LIMITED: Too many deliveries to this webhook trigger per minute",
  createdByType: "user",
  createdById: "usr_me",
  createdAt: when,
  updatedAt: when,
};

function api() {
  return fakeApi({
    "schedules.list": () => ({ items: [schedule], nextCursor: null }),
    "triggers.list": () => ({ items: [trigger], nextCursor: null }),
    "agents.list": () => ({ items: [{ id: "agt_1", slug: "writer", name: "Writer" }], nextCursor: null }),
    "teams.list": () => ({ items: [{ id: "team_1", slug: "crew", name: "Crew" }], nextCursor: null }),
    "schedules.create": (input) => ({ ...schedule, id: "sch_2", ...(input as object) }),
    "schedules.pause": () => ({ ...schedule, status: "paused", nextRunAt: null }),
    "triggers.create": (input) => ({
      trigger: { ...trigger, id: "whtr_2", path: "/api/hooks/whtr_2", ...(input as object) },
      secret: "whsec_c2VjcmV0LXNob3duLW9uY2U=",
    }),
  });
}

describe("Schedules & triggers page", () => {
  it("lists schedules with their next run, last run (a link) and why a time was skipped, and triggers with their URL", async () => {
    renderAs("member", api(), () => h(AutomationsPage));
    const row = await screen.findByTestId("schedule-row");
    expect(within(row).getByText("Agent Writer")).toBeTruthy();
    expect(within(row).getByTestId("schedule-status").textContent).toBe("active");
    expect(within(row).getAllByRole("link")[0]!.getAttribute("href")).toBe("/w/w/runs/run_1");
    // every run the schedule started: the Runs page filtered on it, its name for the filter's label
    const scheduleRuns = new URL(within(row).getByTestId("schedule-runs").getAttribute("href")!, "http://x");
    expect(scheduleRuns.pathname).toBe("/w/w/runs");
    expect(Object.fromEntries(scheduleRuns.searchParams)).toEqual({ channel: "schedule", channelRef: schedule.id, by: schedule.name });
    expect(within(row).getByText(/the previous run was still going/)).toBeTruthy();
    const hook = await screen.findByTestId("trigger-row");
    expect(within(hook).getByText("POST /api/hooks/whtr_1")).toBeTruthy();
    expect(within(hook).getAllByRole("link")[0]!.getAttribute("href")).toBe("/w/w/runs/run_2");
    // what its sender was refused, and why
    expect(within(hook).getByTestId("trigger-refused").textContent).toBe(
      `2 refused; the last ${formatDateTime(when)}: RATE_LIMITED: Too many deliveries to this webhook trigger per minute`,
    );
    const triggerRuns = new URL(within(hook).getByTestId("trigger-runs").getAttribute("href")!, "http://x");
    expect(Object.fromEntries(triggerRuns.searchParams)).toEqual({ channel: "webhook", channelRef: "whtr_1", by: trigger.name });
  });

  it("the schedule form checks the expression with the shared schema, previews the next times and creates", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(AutomationsPage));
    await user.click(await screen.findByRole("button", { name: "Create schedule" }));
    const dialog = await screen.findByRole("dialog", { name: "Create a schedule" });
    await user.type(within(dialog).getByLabelText("Cron expression"), "*/5 * *");
    await user.click(within(dialog).getByTestId("schedule-submit"));
    expect(await within(dialog).findByText(/Use five fields/)).toBeTruthy();
    expect(within(dialog).getByText("Name exactly one of agent or team")).toBeTruthy();
    expect(calls["schedules.create"]).not.toHaveBeenCalled();

    await user.clear(within(dialog).getByLabelText("Cron expression"));
    await user.type(within(dialog).getByLabelText("Cron expression"), "0 9 * * 1-5");
    await user.clear(within(dialog).getByLabelText("Time zone"));
    await user.type(within(dialog).getByLabelText("Time zone"), "UTC");
    expect(within(dialog).getByTestId("schedule-preview").textContent).toContain("Next:");
    await user.type(within(dialog).getByLabelText("Name"), "Weekday digest");
    await waitFor(() => expect(within(dialog).getAllByRole("option").length).toBeGreaterThan(2));
    await user.selectOptions(within(dialog).getByTestId("schedule-target"), "agent:writer");
    await user.type(within(dialog).getByLabelText("Input of every run"), "Write the digest");
    await user.click(within(dialog).getByTestId("schedule-submit"));
    await waitFor(() => expect(calls["schedules.create"]).toHaveBeenCalledOnce());
    expect(calls["schedules.create"]!.mock.calls[0]![0]).toMatchObject({
      name: "Weekday digest",
      agent: "writer",
      cron: "0 9 * * 1-5",
      timezone: "UTC",
      input: "Write the digest",
      missedPolicy: "skip",
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("the trigger form refuses a template that is not a path, then shows the URL and the secret once", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(AutomationsPage));
    await user.click(await screen.findByRole("button", { name: "Create trigger" }));
    const dialog = await screen.findByRole("dialog", { name: "Create a webhook trigger" });
    await user.type(within(dialog).getByLabelText("Name"), "Issues");
    await waitFor(() => expect(within(dialog).getAllByRole("option").length).toBeGreaterThan(2));
    await user.selectOptions(within(dialog).getByTestId("trigger-target"), "team:crew");
    const template = within(dialog).getByLabelText("Input template");
    await user.clear(template);
    await user.type(template, "{{{{ process.env }}");
    await user.click(within(dialog).getByTestId("trigger-submit"));
    expect(await within(dialog).findByText(/start it with payload, body or webhook/)).toBeTruthy();
    await user.clear(template);
    await user.type(template, "Issue: {{{{ payload.issue.title }}");
    await user.click(within(dialog).getByTestId("trigger-submit"));
    expect((await screen.findByTestId("trigger-secret")).textContent).toBe("whsec_c2VjcmV0LXNob3duLW9uY2U=");
    expect(screen.getByTestId("trigger-url").textContent).toContain("/api/hooks/whtr_2");
    expect(calls["triggers.create"]!.mock.calls[0]![0]).toMatchObject({ name: "Issues", team: "crew", template: "Issue: {{ payload.issue.title }}" });
    await user.click(screen.getByTestId("trigger-done"));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("pauses a schedule; a viewer sees the lists without any button that changes them", async () => {
    const user = userEvent.setup();
    const calls = api();
    renderAs("member", calls, () => h(AutomationsPage));
    await user.click(await screen.findByTestId("schedule-pause"));
    await waitFor(() => expect(calls["schedules.pause"]).toHaveBeenCalledWith({ scheduleId: "sch_1" }));
    cleanup();

    renderAs("viewer", api(), () => h(AutomationsPage));
    await screen.findByTestId("schedule-row");
    await screen.findByTestId("trigger-row");
    expect(screen.queryByRole("button", { name: "Create schedule" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Create trigger" })).toBeNull();
    expect(screen.queryByTestId("schedule-pause")).toBeNull();
    expect(screen.queryByTestId("trigger-rotate")).toBeNull();
  });
});
