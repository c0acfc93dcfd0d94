import Link from "next/link";
import { BanIcon, CheckCircle2Icon, ClockIcon, LoaderCircleIcon, type LucideIcon, RotateCwIcon, XCircleIcon } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { RUN_CHANNEL_LABELS, type RunOut } from "@/lib/schemas/runs";

const RUN_STATUS_TONES: Record<string, BadgeTone> = {
  queued: "neutral",
  running: "info",
  succeeded: "success",
  failed: "danger",
  cancelled: "warning",
  // steps
  retrying: "warning",
  sleeping: "neutral",
  done: "success",
  waiting: "neutral",
};

const RUN_STATUS_ICONS: Record<string, LucideIcon> = {
  queued: ClockIcon,
  running: LoaderCircleIcon,
  succeeded: CheckCircle2Icon,
  failed: XCircleIcon,
  cancelled: BanIcon,
  retrying: RotateCwIcon,
  sleeping: ClockIcon,
  waiting: ClockIcon,
  done: CheckCircle2Icon,
};

export function RunStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const Icon = RUN_STATUS_ICONS[status];
  return (
    <Badge tone={RUN_STATUS_TONES[status] ?? "neutral"} testId={testId}>
      {Icon ? <Icon className={status === "running" ? "size-3 animate-spin" : "size-3"} aria-hidden="true" /> : null}
      {status}
    </Badge>
  );
}

/** "team Research v3" / "agent writer v2", linking to the team or agent page. */
export function RunTargetLabel({ run, slug, link = true }: { run: Pick<RunOut, "targetType" | "team" | "agent">; slug: string; link?: boolean }) {
  const target = run.targetType === "team" ? run.team : run.agent;
  if (!target) return <span className="text-muted-foreground">{run.targetType}</span>;
  const href = `/w/${slug}/${run.targetType === "team" ? "teams" : "agents"}/${target.slug}`;
  const name = link ? <Link href={href}>{target.name}</Link> : target.name;
  return (
    <span className="whitespace-nowrap" data-target-type={run.targetType} data-target-slug={target.slug}>
      <span className="text-muted-foreground">{run.targetType} </span>
      {name}
      <span className="text-muted-foreground"> v{target.version}</span>
    </span>
  );
}

export function formatTokenCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return n.toLocaleString("en-US");
}

export function excerpt(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Where a run was started ("Webhook trigger", "Schedule", "CLI" ...): an evaluation's runs link to it, a trigger's or
 * a schedule's to the automations page. Nothing for runs from before channels were recorded.
 */
export function RunChannelLabel({ run, slug, testId }: { run: Pick<RunOut, "channel" | "channelRef">; slug: string; testId?: string }) {
  if (!run.channel) return null;
  const label = RUN_CHANNEL_LABELS[run.channel];
  const href =
    run.channel === "evaluation" && run.channelRef
      ? `/w/${slug}/evaluations/${run.channelRef}`
      : run.channel === "webhook" || run.channel === "schedule"
        ? `/w/${slug}/automations`
        : null;
  return (
    <span data-testid={testId} data-channel={run.channel} title={run.channelRef ?? undefined}>
      {href ? (
        <Link className="underline underline-offset-2" href={href}>
          {label}
        </Link>
      ) : (
        label
      )}
    </span>
  );
}
