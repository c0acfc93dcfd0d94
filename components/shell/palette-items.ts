/**
 * What the command palette offers, as data: the pages the role may open, actions, agents and teams (each to open,
 * to try in the playground, or to start from the runs page) and recent runs. Pure, so that what a role sees is tested without a browser.
 */
import type { Permission } from "@/lib/permissions";
import { visibleGroups } from "./nav-items";

export interface PaletteItem {
  /** unique within the palette; cmdk filters on `label` and `keywords` */
  id: string;
  group: "Pages" | "Actions" | "Agents" | "Teams" | "Recent runs";
  label: string;
  keywords: string[];
  /** under /w/<slug> */
  path: string;
}

interface Named {
  slug: string;
  name: string;
}
interface RecentRun {
  id: string;
  status: string;
  targetType: string;
  team: Named | null;
  agent: Named | null;
  createdAt?: Date | string;
}

/** "3 min ago", "2 h ago", "4 d ago": when a recent run started, relative to now. */
export function ago(when: Date | string, now: Date = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - new Date(when).getTime()) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function paletteItems(
  can: (p: Permission) => boolean,
  data: { agents?: Named[]; teams?: Named[]; runs?: RecentRun[] },
  now: Date = new Date(),
): PaletteItem[] {
  const items: PaletteItem[] = [];
  for (const group of visibleGroups(can)) {
    for (const item of group.items) {
      items.push({ id: `page:${item.id}`, group: "Pages", label: item.label, keywords: [group.label ?? "", "go", "open"], path: item.path });
    }
  }
  const actions: (PaletteItem & { requires: Permission[] })[] = [
    {
      id: "action:playground",
      group: "Actions",
      label: "Start a run in the playground",
      keywords: ["chat", "try", "run"],
      path: "/playground",
      requires: ["runs:create"],
    },
    {
      id: "action:setup",
      group: "Actions",
      label: "Connect a provider with its key",
      keywords: ["setup", "model", "api key"],
      path: "/setup",
      requires: ["models:manage", "secrets:create"],
    },
    {
      id: "action:template",
      group: "Actions",
      label: "Create a team from a template",
      keywords: ["new team", "template"],
      path: "/teams?templates=1",
      requires: ["teams:create", "agents:create"],
    },
    { id: "action:api-key", group: "Actions", label: "Create an API key", keywords: ["token", "rest"], path: "/api-keys", requires: ["api_keys:create"] },
  ];
  for (const { requires, ...action } of actions) if (requires.every(can)) items.push(action);
  const tryIt = can("runs:create");
  for (const a of data.agents ?? []) {
    items.push({ id: `agent:${a.slug}`, group: "Agents", label: a.name, keywords: [a.slug, "agent"], path: `/agents/${encodeURIComponent(a.slug)}` });
    if (tryIt)
      items.push({
        id: `agent-run:${a.slug}`,
        group: "Agents",
        label: `Run ${a.name}`,
        keywords: [a.slug, "run", "chat", "playground"],
        path: `/playground?target=${encodeURIComponent(`agent:${a.slug}`)}`,
      });
    if (tryIt)
      items.push({
        id: `agent-start:${a.slug}`,
        group: "Agents",
        label: `Start a run of ${a.name}`,
        keywords: [a.slug, "start", "run", "input", "budget"],
        path: `/runs?target=${encodeURIComponent(`agent:${a.slug}`)}`,
      });
  }
  for (const t of data.teams ?? []) {
    items.push({ id: `team:${t.slug}`, group: "Teams", label: t.name, keywords: [t.slug, "team"], path: `/teams/${encodeURIComponent(t.slug)}` });
    if (tryIt)
      items.push({
        id: `team-run:${t.slug}`,
        group: "Teams",
        label: `Run ${t.name}`,
        keywords: [t.slug, "run", "chat", "playground"],
        path: `/playground?target=${encodeURIComponent(`team:${t.slug}`)}`,
      });
    if (tryIt)
      items.push({
        id: `team-start:${t.slug}`,
        group: "Teams",
        label: `Start a run of ${t.name}`,
        keywords: [t.slug, "start", "run", "input", "budget"],
        path: `/runs?target=${encodeURIComponent(`team:${t.slug}`)}`,
      });
  }
  for (const r of data.runs ?? []) {
    const target = r.targetType === "team" ? r.team : r.agent;
    items.push({
      id: `run:${r.id}`,
      group: "Recent runs",
      label: [target?.name ?? r.targetType, r.status, r.createdAt ? ago(r.createdAt, now) : null].filter(Boolean).join(" · "),
      keywords: [r.id, r.status, target?.slug ?? ""],
      path: `/runs/${encodeURIComponent(r.id)}`,
    });
  }
  return items;
}
