import {
  ActivityIcon,
  BotIcon,
  BrainIcon,
  CalendarClockIcon,
  BoxesIcon,
  DatabaseIcon,
  FlaskConicalIcon,
  GaugeIcon,
  HomeIcon,
  KeyRoundIcon,
  LockIcon,
  MessageSquareIcon,
  ScaleIcon,
  type LucideIcon,
  PlugIcon,
  ScrollTextIcon,
  SettingsIcon,
  ShieldCheckIcon,
  SplitIcon,
  StoreIcon,
  TagIcon,
  UsersIcon,
  WalletIcon,
  WebhookIcon,
  WorkflowIcon,
  WrenchIcon,
} from "lucide-react";
import type { Permission } from "@/lib/permissions";

export interface NavItem {
  /** the test id is `nav-<id>` */
  id: string;
  label: string;
  /** under /w/<slug> */
  path: string;
  requires: Permission;
  icon: LucideIcon;
  /** a count shown beside the label (WorkspaceNav reads it): the approval requests waiting */
  count?: "pendingApprovals";
}

export interface NavGroup {
  label: string | null;
  items: NavItem[];
}

/** The workspace's sections, grouped by what people do with them. */
export const NAV_GROUPS: NavGroup[] = [
  { label: null, items: [{ id: "overview", label: "Overview", path: "", requires: "settings:read", icon: HomeIcon }] },
  {
    label: "Build",
    items: [
      { id: "agents", label: "Agents", path: "/agents", requires: "agents:read", icon: BotIcon },
      { id: "teams", label: "Teams", path: "/teams", requires: "teams:read", icon: WorkflowIcon },
      { id: "judges", label: "Judges", path: "/judges", requires: "judges:read", icon: ScaleIcon },
      { id: "labels", label: "Labelling", path: "/labels", requires: "labels:write", icon: TagIcon },
      { id: "datasets", label: "Datasets", path: "/datasets", requires: "evals:read", icon: DatabaseIcon },
      { id: "evaluations", label: "Evaluations", path: "/evaluations", requires: "evals:read", icon: FlaskConicalIcon },
      { id: "memory", label: "Memory", path: "/memory", requires: "memory:read", icon: BrainIcon },
      { id: "marketplace", label: "Marketplace", path: "/marketplace", requires: "marketplace:read", icon: StoreIcon },
    ],
  },
  {
    label: "Run",
    items: [
      { id: "runs", label: "Runs", path: "/runs", requires: "runs:read", icon: ActivityIcon },
      { id: "playground", label: "Playground", path: "/playground", requires: "runs:read", icon: MessageSquareIcon },
      { id: "automations", label: "Schedules & triggers", path: "/automations", requires: "schedules:read", icon: CalendarClockIcon },
      { id: "tools", label: "Tools", path: "/tools", requires: "tools:read", icon: WrenchIcon },
      { id: "approvals", label: "Approvals", path: "/approvals", requires: "tools:read", icon: ShieldCheckIcon, count: "pendingApprovals" },
    ],
  },
  {
    label: "Observe",
    items: [
      { id: "usage", label: "Usage", path: "/usage", requires: "usage:read", icon: GaugeIcon },
      { id: "budgets", label: "Budgets", path: "/budgets", requires: "budgets:read", icon: WalletIcon },
      { id: "audit", label: "Audit log", path: "/audit", requires: "audit:read", icon: ScrollTextIcon },
    ],
  },
  {
    label: "Configure",
    items: [
      { id: "providers", label: "Providers", path: "/providers", requires: "models:read", icon: PlugIcon },
      { id: "models", label: "Models", path: "/models", requires: "models:read", icon: BoxesIcon },
      { id: "routing", label: "Routing", path: "/routing", requires: "models:read", icon: SplitIcon },
      { id: "vault", label: "Vault", path: "/vault", requires: "secrets:read", icon: LockIcon },
    ],
  },
  {
    label: "Workspace",
    items: [
      { id: "members", label: "Members", path: "/members", requires: "members:read", icon: UsersIcon },
      { id: "api-keys", label: "API keys", path: "/api-keys", requires: "api_keys:read", icon: KeyRoundIcon },
      { id: "webhooks", label: "Webhooks", path: "/webhooks", requires: "webhooks:read", icon: WebhookIcon },
      { id: "settings", label: "Settings", path: "/settings", requires: "settings:read", icon: SettingsIcon },
    ],
  },
];

/** The groups with only the items a role may open; groups left empty are dropped. */
export function visibleGroups(can: (p: Permission) => boolean): NavGroup[] {
  return NAV_GROUPS.map((g) => ({ ...g, items: g.items.filter((i) => can(i.requires)) })).filter((g) => g.items.length > 0);
}

/** Whether an item is the page shown (or a page below it). */
export function isActive(item: NavItem, base: string, pathname: string): boolean {
  const href = base + item.path;
  return item.path === "" ? pathname === base : pathname === href || pathname.startsWith(`${href}/`);
}
