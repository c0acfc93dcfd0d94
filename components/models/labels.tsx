import { Badge } from "@/components/ui/badge";
import { PROVIDER_KIND_LABELS, type ProviderKind } from "@/lib/schemas/models";

export const SIMULATOR_DESCRIPTION = "Simulator — offline, deterministic, no real model";

/** The label every place that shows the simulator uses. */
export function SimulatorBadge({ long = false }: { long?: boolean }) {
  return (
    <Badge tone="warning" testId="simulator-badge">
      {long ? SIMULATOR_DESCRIPTION : "simulator"}
    </Badge>
  );
}

export function KindBadge({ kind }: { kind: ProviderKind }) {
  return <Badge tone={kind === "simulator" ? "warning" : "neutral"}>{PROVIDER_KIND_LABELS[kind]}</Badge>;
}

export function LocalityBadge({ isLocal }: { isLocal: boolean }) {
  return <Badge tone={isLocal ? "success" : "info"}>{isLocal ? "local" : "cloud"}</Badge>;
}

/** Prices as $/M tokens: up to 4 decimals, no trailing zeros. */
export function formatPrice(usdPerMillion: number): string {
  if (usdPerMillion === 0) return "$0";
  return `$${Number(usdPerMillion.toFixed(4)).toString()}`;
}

export function formatTokens(n: number): string {
  if (n >= 1_000_000) return `${Number((n / 1_000_000).toFixed(2))}M`;
  if (n >= 1_000) return `${Number((n / 1_000).toFixed(1))}k`;
  return String(n);
}

export function formatRate(rate: number, calls: number): string {
  if (calls === 0) return "—";
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 1 : 0)}%`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
