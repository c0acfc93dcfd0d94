import { AlertTriangleIcon } from "lucide-react";
import type { MarketplacePackage } from "@/lib/schemas/marketplace";

export interface PackageProblem {
  path: string;
  message: string;
}

const COLLECTIONS = { agents: "Agent", teams: "Team", tools: "Tool", mcpServers: "MCP server", knowledge: "Knowledge document" } as const;

/** "agents.0.instructions" (or "agents[0].instructions") as "Agent writer › instructions". */
export function problemLabel(pkg: MarketplacePackage | undefined, path: string): string {
  const parts = path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter(Boolean);
  const [collection, index, ...rest] = parts;
  if (!collection || !(collection in COLLECTIONS) || index === undefined || !/^\d+$/.test(index)) return parts.join(" › ") || "package";
  const key = collection as keyof typeof COLLECTIONS;
  const item = (pkg?.[key] as unknown[] | undefined)?.[Number(index)] as { slug?: string; name?: string; title?: string } | undefined;
  const name = item?.slug ?? item?.name ?? item?.title ?? `#${Number(index) + 1}`;
  return [`${COLLECTIONS[key]} ${name}`, ...rest].join(" › ");
}

/** What the publish scan refused in the package, each on the field of the agent, team or tool it is in. */
export function PackageProblems({ problems, pkg }: { problems: PackageProblem[]; pkg: MarketplacePackage | undefined }) {
  if (problems.length === 0) return null;
  return (
    <div className="grid gap-2 rounded-md border border-destructive/40 bg-destructive/10 p-3" role="alert" data-testid="publish-problems">
      <p className="flex items-center gap-2 text-sm font-medium text-destructive">
        <AlertTriangleIcon className="size-4" aria-hidden />
        This cannot be published as it is: fix these in the {pkg?.root.kind ?? "source"} and preview again.
      </p>
      <ul className="grid gap-1 text-sm">
        {problems.map((p) => (
          <li key={`${p.path}:${p.message}`} data-testid="publish-problem" data-path={p.path}>
            <strong>{problemLabel(pkg, p.path)}</strong>: {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The package's contents in brief: its agents, teams and tools. */
export function PackageContents({ pkg }: { pkg: MarketplacePackage }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="package-contents">
      <dt className="text-muted-foreground">Agents</dt>
      <dd>{pkg.agents.map((a) => a.slug).join(", ")}</dd>
      {pkg.teams.length > 0 ? (
        <>
          <dt className="text-muted-foreground">Teams</dt>
          <dd>{pkg.teams.map((t) => t.slug).join(", ")}</dd>
        </>
      ) : null}
      {pkg.tools.length > 0 ? (
        <>
          <dt className="text-muted-foreground">Tools</dt>
          <dd>{pkg.tools.map((t) => t.name).join(", ")}</dd>
        </>
      ) : null}
      {pkg.knowledge.length > 0 ? (
        <>
          <dt className="text-muted-foreground">Knowledge</dt>
          <dd>{pkg.knowledge.map((k) => k.title).join(", ")}</dd>
        </>
      ) : null}
    </dl>
  );
}
