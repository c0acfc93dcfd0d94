/**
 * What the overview shows, shaped from workspaces' overview data: the getting-started steps with where each is done,
 * and the chart rows. Pure, so that the page stays a layout.
 */
import type { Permission } from "@/lib/permissions";
import type { ChecklistItem, RunCounts, WorkspaceOverviewOut } from "@/lib/schemas/overview";

export interface ChecklistStep {
  item: ChecklistItem;
  title: string;
  text: string;
  /** under /w/<slug> */
  path: string;
  action: string;
  /** the permission that does the step; without it the step says whom to ask */
  requires: Permission;
  done: boolean;
}

const STEPS: Record<ChecklistItem, Omit<ChecklistStep, "item" | "done">> = {
  connect_model: {
    title: "Connect a model provider",
    text: "Paste a provider's API key (kept in the vault); its models join the catalog with their prices, and the simulator steps aside.",
    path: "/setup",
    action: "Set up with a key",
    requires: "models:manage",
  },
  create_agent: {
    title: "Create an agent",
    text: "Give it instructions and a model policy: routing picks the model within your cost, quality and latency limits.",
    path: "/agents",
    action: "Create an agent",
    requires: "agents:create",
  },
  create_team: {
    title: "Compose a team",
    text: "Put agents together in a topology: a pipeline, a debate, a supervisor with workers, and more.",
    path: "/teams",
    action: "Create a team",
    requires: "teams:create",
  },
  run_succeeded: {
    title: "Run it",
    text: "Start a run of an agent or a team and follow it live, step by step, with its cost.",
    path: "/runs",
    action: "Start a run",
    requires: "runs:create",
  },
  create_api_key: {
    title: "Create an API key",
    text: "Call Cadre from scripts and CI over REST (Authorization: Bearer <key>), with the scopes you choose.",
    path: "/api-keys",
    action: "Create a key",
    requires: "api_keys:create",
  },
};

export function checklistSteps(checklist: WorkspaceOverviewOut["checklist"]): ChecklistStep[] {
  return checklist.map(({ item, done }) => ({ item, done, ...STEPS[item] }));
}

/** The checklist goes away once everything on it is done (or there is nothing the role may see). */
export function checklistComplete(checklist: WorkspaceOverviewOut["checklist"]): boolean {
  return checklist.every((c) => c.done);
}

export const RUN_STATUS_ORDER = ["succeeded", "failed", "cancelled", "running", "queued"] as const satisfies readonly (keyof RunCounts)[];

export function totalRuns(counts: RunCounts): number {
  return RUN_STATUS_ORDER.reduce((sum, s) => sum + counts[s], 0);
}

/** Hourly rows for the chart, labelled in the viewer's time zone ("14:00"). */
export function hourlyRows(hourly: NonNullable<WorkspaceOverviewOut["runs"]>["hourly"], timeZone?: string) {
  return hourly.map((h) => ({
    ...h,
    label: new Date(h.hour).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, ...(timeZone ? { timeZone } : {}) }),
  }));
}

/** The spend rows for the chart ("Dec 3"), and the budget line when there is a monthly limit. */
export function spendRows(spend: NonNullable<WorkspaceOverviewOut["spend"]>) {
  return spend.perDay.map((d) => ({
    ...d,
    label: new Date(`${d.day}T00:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" }),
  }));
}

/** How much of the monthly budget is used, as a bar shows it (0-100), and its tone. */
export function budgetGauge(budget: NonNullable<WorkspaceOverviewOut["spend"]>["budget"]): { percent: number; tone: "ok" | "alert" | "exceeded" } | null {
  if (!budget || budget.fraction === null) return null;
  const percent = Math.max(0, Math.min(100, Math.round(budget.fraction * 100)));
  return { percent, tone: budget.exceeded ? "exceeded" : budget.alert ? "alert" : "ok" };
}
