"use client";

import Link from "next/link";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { RoleBadge } from "@/components/ui/badge";
import { formatDate } from "@/components/ui/format";
import { useWorkspace } from "./workspace-context";

function Stat({ label, value, href, testId }: { label: string; value: number | undefined; href: string; testId: string }) {
  return (
    <Link href={href} className="stat card" data-testid={testId}>
      <span className="stat-value">{value ?? "…"}</span>
      <span className="stat-label">{label}</span>
    </Link>
  );
}

export function WorkspaceOverview() {
  const trpc = useTRPC();
  const { slug, workspace, role, can } = useWorkspace();
  const base = `/w/${slug}`;
  // the count of every member (the list pages)
  const members = useAllPages(
    useInfiniteQuery({ ...trpc.members.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("members:read") }),
  );
  const keys = useQuery(trpc.apiKeys.list.queryOptions(undefined, { enabled: can("api_keys:read") }));
  const invitations = useQuery(trpc.invitations.list.queryOptions(undefined, { enabled: can("members:invite") }));

  const now = Date.now();
  const activeKeys = keys.data?.filter((k) => !k.revokedAt && (!k.expiresAt || k.expiresAt.getTime() > now)).length;
  const pendingInvites = invitations.data?.filter((i) => i.status === "pending").length;

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1 data-testid="workspace-name">{workspace.name}</h1>
          <p className="muted">
            <code>/w/{workspace.slug}</code> · created {formatDate(workspace.createdAt)} · your role <RoleBadge role={role} />
          </p>
        </div>
      </div>

      <div className="stats">
        {can("members:read") ? <Stat label="Members" value={members.data?.length} href={`${base}/members`} testId="stat-members" /> : null}
        {can("members:invite") ? <Stat label="Pending invitations" value={pendingInvites} href={`${base}/members`} testId="stat-invitations" /> : null}
        {can("api_keys:read") ? <Stat label="Active API keys" value={activeKeys} href={`${base}/api-keys`} testId="stat-api-keys" /> : null}
      </div>

      <section className="card">
        <h2 className="card-title">Getting started</h2>
        <ol className="steps">
          <li>
            <strong>Create an API key</strong> to call Cadre from scripts and CI.{" "}
            {can("api_keys:create") ? (
              <Link href={`${base}/api-keys`}>Create a key →</Link>
            ) : (
              <span className="muted">Your role cannot create API keys; ask an admin.</span>
            )}
          </li>
          <li>
            <strong>Invite your team.</strong> Each invitation link works once, for one email address.{" "}
            {can("members:invite") ? (
              <Link href={`${base}/members`}>Invite members →</Link>
            ) : (
              <span className="muted">Your role cannot invite; ask an admin.</span>
            )}
          </li>
          <li>
            <strong>Explore the REST API.</strong> Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>; the machine-readable description is{" "}
            <a href="/api/v1/openapi.json" data-testid="openapi-link">
              /api/v1/openapi.json
            </a>{" "}
            (OpenAPI 3.1).
          </li>
        </ol>
      </section>
    </div>
  );
}
