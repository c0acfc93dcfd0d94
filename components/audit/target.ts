/**
 * An audit entry's target as people read it: its name (from the entry's metadata, as it was when it happened) and a
 * link to it where there is a page for it; the id stays available as the title.
 */
export interface AuditTarget {
  label: string | null;
  /** under /w/<slug> */
  path: string | null;
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

export function auditTarget(entry: { targetType: string | null; targetId: string | null; metadata: unknown }): AuditTarget {
  const meta = entry.metadata && typeof entry.metadata === "object" ? (entry.metadata as Record<string, unknown>) : {};
  const slug = str(meta.slug);
  const label = str(meta.name) ?? slug ?? str(meta.email) ?? str(meta.displayName) ?? str(meta.modelId);
  switch (entry.targetType) {
    case "agent":
      return { label, path: slug ? `/agents/${encodeURIComponent(slug)}` : null };
    case "team":
      return { label, path: slug ? `/teams/${encodeURIComponent(slug)}` : null };
    case "run": {
      const what = str(meta.team) ? `team ${meta.team}` : str(meta.agent) ? `agent ${meta.agent}` : null;
      return { label: what ? `run of ${what}` : label, path: entry.targetId ? `/runs/${encodeURIComponent(entry.targetId)}` : null };
    }
    default:
      return { label, path: null };
  }
}
