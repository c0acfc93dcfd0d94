import { AlertTriangleIcon, BadgeCheckIcon, ShieldAlertIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";
import type { InstallDiff, PermissionManifest } from "@/lib/schemas/marketplace";
import { formatCostRange, plural } from "./format";

type NewPermissions = InstallDiff["newPermissions"];

const APPROVAL_LABELS = { never: "no approval", always: "asks for approval", rule: "approval by rule" } as const;

function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="grid gap-2" data-testid={testId}>
      <h3 className="text-sm font-semibold">{title}</h3>
      {children}
    </section>
  );
}

/** An item of the manifest; marked (and announced) when an update adds it. */
function Item({ isNew, children, testId }: { isNew: boolean; children: ReactNode; testId?: string }) {
  return (
    <li
      data-testid={testId}
      data-new={isNew ? "true" : undefined}
      className={cn("flex flex-wrap items-center gap-2 rounded-md px-2 py-1 text-sm", isNew && "bg-warning/15 ring-1 ring-warning")}
    >
      {children}
      {isNew ? (
        <Badge tone="warning" testId="manifest-new">
          new
        </Badge>
      ) : null}
    </li>
  );
}

function None({ children }: { children: ReactNode }) {
  return <p className="text-sm text-muted-foreground">{children}</p>;
}

function Host({ host }: { host: string }) {
  return host === "*" ? (
    <span className="inline-flex items-center gap-1 font-medium text-destructive">
      <AlertTriangleIcon className="size-3.5" aria-hidden />
      any host
    </span>
  ) : (
    <code className="font-mono text-xs">{host}</code>
  );
}

const unique = (values: string[]) => [...new Set(values)];

function judgeCalls(calls: PermissionManifest["judgeCallsPerRun"]): string {
  if (!calls) return "judge calls";
  if (calls.min === calls.max) return plural(calls.min, "judge call");
  return `${calls.min} to ${calls.max} judge calls (with revisions)`;
}

/**
 * The permission manifest as a consent screen: what the package's agents may do once installed (tools and the hosts
 * they reach, secrets the installer binds, memory, the judges of their quality gates, approvals, sub-runs, cost). `newPermissions` (an update's diff)
 * marks what the new version adds.
 */
export function ManifestView({ manifest, newPermissions, className }: { manifest: PermissionManifest; newPermissions?: NewPermissions; className?: string }) {
  const isNewHost = (h: string) => newPermissions?.hosts.includes(h) ?? false;
  const isNewSlot = (s: string) => newPermissions?.secretSlots.includes(s) ?? false;
  const isNewTool = (t: string) => newPermissions?.tools.includes(t) ?? false;
  const isNewWrite = (s: string) => newPermissions?.memoryWrites.includes(s) ?? false;
  return (
    <div className={cn("grid gap-5", className)} data-testid="manifest">
      <p className="text-sm" data-testid="manifest-size">
        Installs {plural(manifest.agents, "agent")}
        {manifest.teams > 0 ? ` and ${plural(manifest.teams, "team")}` : ""} into this workspace.
      </p>

      <Section title="Tools" testId="manifest-tools">
        {manifest.tools.length === 0 ? (
          <None>No tools: the agents only answer with text.</None>
        ) : (
          <ul className="grid gap-1">
            {manifest.tools.map((t) => (
              <Item key={t.name} isNew={isNewTool(t.name)} testId="manifest-tool">
                <code className="font-mono text-xs font-semibold">{t.name}</code>
                <Badge tone="neutral">{t.kind}</Badge>
                <span className="text-muted-foreground">reaches</span>
                {t.hosts.length === 0 ? <span className="text-muted-foreground">no network</span> : t.hosts.map((h) => <Host key={h} host={h} />)}
                <span className="text-muted-foreground">· {APPROVAL_LABELS[t.approval]}</span>
                {t.usedBy.length > 0 ? <span className="text-muted-foreground">· used by {t.usedBy.join(", ")}</span> : null}
              </Item>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Network egress" testId="manifest-egress">
        {manifest.egressHosts.length === 0 ? (
          <None>Calls no host outside Cadre.</None>
        ) : (
          <ul className="grid gap-1">
            {manifest.egressHosts.map((h) => (
              <Item key={h} isNew={isNewHost(h)} testId="manifest-host">
                <Host host={h} />
              </Item>
            ))}
          </ul>
        )}
      </Section>

      <Section title="Secrets you bind" testId="manifest-secrets">
        {manifest.secretSlots.length === 0 ? (
          <None>Needs no secret.</None>
        ) : (
          <ul className="grid gap-1">
            {manifest.secretSlots.map((s) => (
              <Item key={s.name} isNew={isNewSlot(s.name)} testId="manifest-slot">
                <code className="font-mono text-xs font-semibold">{s.name}</code>
                {s.host ? (
                  <span className="text-muted-foreground">
                    sent to <Host host={s.host} />
                  </span>
                ) : null}
                {s.usedBy.length > 0 ? <span className="text-muted-foreground">· used by {s.usedBy.join(", ")}</span> : null}
              </Item>
            ))}
          </ul>
        )}
        <p className="text-xs text-muted-foreground">Each is bound to one of your own vault secrets: the publisher never sees it.</p>
      </Section>

      <Section title="Memory" testId="manifest-memory">
        <ul className="grid gap-1">
          <Item isNew={false} testId="manifest-memory-reads">
            <span>Reads:</span>
            {manifest.memory.reads.length === 0 ? <span className="text-muted-foreground">nothing</span> : <span>{manifest.memory.reads.join(", ")}</span>}
          </Item>
          <Item isNew={manifest.memory.writes.some(isNewWrite)} testId="manifest-memory-writes">
            <span>Writes:</span>
            {manifest.memory.writes.length === 0 ? <span className="text-muted-foreground">nothing</span> : <span>{manifest.memory.writes.join(", ")}</span>}
          </Item>
          {manifest.memory.knowledgeDocuments > 0 ? (
            <Item isNew={false} testId="manifest-knowledge">
              Adds {plural(manifest.memory.knowledgeDocuments, "knowledge document")} to your memory
            </Item>
          ) : null}
        </ul>
      </Section>

      {manifest.judges?.length ? (
        <Section title="Quality gate" testId="manifest-judges">
          <p className="text-sm" data-testid="manifest-judge-calls">
            Outputs of {unique(manifest.judges.flatMap((j) => [...j.usedBy, ...(j.usedByTeams ?? []).map((t) => `team ${t}`)])).join(", ")} are scored by these
            judges before they count: {judgeCalls(manifest.judgeCallsPerRun)} per run.
          </p>
          <ul className="grid gap-1">
            {manifest.judges.map((j) => (
              <Item key={j.slug} isNew={false} testId="manifest-judge">
                <span className="font-semibold">{j.name}</span>
                <code className="font-mono text-xs text-muted-foreground">{j.slug}</code>
                <span className="text-muted-foreground">· criteria: {j.criteria.map((c) => `${c.key} (${c.description})`).join(", ")}</span>
                {j.usedBy.length > 0 ? <span className="text-muted-foreground">· judges {j.usedBy.join(", ")}</span> : null}
                {j.usedByTeams?.length ? <span className="text-muted-foreground">· judges the team {j.usedByTeams.join(", ")}</span> : null}
              </Item>
            ))}
          </ul>
          <p className="text-xs text-muted-foreground">The judges are installed as your own: their model calls run on your models and count in your costs.</p>
        </Section>
      ) : null}

      <Section title="Control" testId="manifest-control">
        <ul className="grid gap-1">
          <Item isNew={newPermissions?.approvalsDropped ?? false} testId="manifest-approvals">
            {manifest.needsApprovals ? "Some tool calls wait for a person's approval" : "No tool call waits for approval"}
          </Item>
          <Item isNew={false} testId="manifest-subruns">
            {manifest.subRuns ? (
              <span className="inline-flex items-center gap-1">
                <ShieldAlertIcon className="size-3.5" aria-hidden />
                Agents may start other agents (sub-runs)
              </span>
            ) : (
              "Agents do not start other agents"
            )}
          </Item>
          <Item isNew={false} testId="manifest-cost">
            Estimated cost: {formatCostRange(manifest.estimatedCostPerRunUsd)}
          </Item>
        </ul>
      </Section>
    </div>
  );
}

/** "Verified signature" (the stored package matches its digest and the platform's signature), with digest and key. */
export function SignatureBadge({ verified, digest, keyId }: { verified: boolean; digest: string; keyId: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs" data-testid="signature" data-verified={String(verified)}>
      {verified ? (
        <Badge tone="success">
          <BadgeCheckIcon aria-hidden />
          Verified signature
        </Badge>
      ) : (
        <Badge tone="danger">
          <AlertTriangleIcon aria-hidden />
          Signature does not match: do not install
        </Badge>
      )}
      <span className="text-muted-foreground">
        sha256{" "}
        <code className="font-mono break-all" data-testid="signature-digest">
          {digest}
        </code>{" "}
        · key <code className="font-mono">{keyId}</code>
      </span>
    </div>
  );
}
