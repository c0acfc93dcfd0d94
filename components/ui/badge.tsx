import type { ReactNode } from "react";

export type BadgeTone = "neutral" | "accent" | "success" | "warning" | "danger" | "info";

const ROLE_TONES: Record<string, BadgeTone> = { owner: "accent", admin: "info", member: "success", viewer: "neutral" };
const STATUS_TONES: Record<string, BadgeTone> = {
  active: "success",
  pending: "info",
  accepted: "success",
  revoked: "danger",
  expired: "warning",
};

export function Badge({ tone = "neutral", children, testId }: { tone?: BadgeTone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function RoleBadge({ role, testId }: { role: string; testId?: string }) {
  return (
    <Badge tone={ROLE_TONES[role] ?? "neutral"} testId={testId}>
      {role}
    </Badge>
  );
}

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <Badge tone={STATUS_TONES[status] ?? "neutral"} testId={testId}>
      {status}
    </Badge>
  );
}
