"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { EgressLists } from "@/lib/schemas/egress";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { textareaClasses } from "@/components/ui/textarea";

const toText = (list: string[]) => list.join("\n");
const toList = (text: string) =>
  text
    .split(/[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The workspace's egress allow/deny lists: they narrow what model providers may reach. */
export function EgressSettings() {
  const trpc = useTRPC();
  const lists = useQuery(trpc.workspaces.egress.queryOptions());
  return (
    <Card
      title="Outbound requests"
      description="Narrow which hosts model providers may reach from this workspace. One entry per line: a host name, *.domain, an address or a CIDR. Private and local addresses stay closed unless the server's operator allows them (CADRE_EGRESS_ALLOW)."
      testId="egress-settings"
    >
      {lists.data ? <EgressForm lists={lists.data} /> : lists.error ? <FormError message={errorMessage(lists.error)} /> : <Loading />}
    </Card>
  );
}

function EgressForm({ lists }: { lists: EgressLists }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("settings:update");
  const [allow, setAllow] = useState(toText(lists.allowHosts));
  const [deny, setDeny] = useState(toText(lists.denyHosts));
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.workspaces.updateEgress.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (next) => {
        setAllow(toText(next.allowHosts));
        setDeny(toText(next.denyHosts));
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.workspaces.egress.queryKey() });
      },
    }),
  );

  const changed = toText(toList(allow)) !== toText(lists.allowHosts) || toText(toList(deny)) !== toText(lists.denyHosts);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ allowHosts: toList(allow), denyHosts: toList(deny) });
  }

  return (
    <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
      <div className="grid min-w-36 gap-1.5">
        <label className="text-sm font-medium" htmlFor="egress-allow">
          Allowed hosts
        </label>
        <textarea
          className={textareaClasses}
          id="egress-allow"
          data-testid="egress-allow"
          rows={3}
          readOnly={!editable}
          value={allow}
          placeholder="api.openai.com"
          onChange={(e) => {
            setAllow(e.target.value);
            setSaved(false);
          }}
        />
        <p className="text-xs text-muted-foreground">Empty: any public host. Otherwise only these.</p>
      </div>
      <div className="grid min-w-36 gap-1.5">
        <label className="text-sm font-medium" htmlFor="egress-deny">
          Denied hosts
        </label>
        <textarea
          className={textareaClasses}
          id="egress-deny"
          data-testid="egress-deny"
          rows={3}
          readOnly={!editable}
          value={deny}
          placeholder="*.example.com"
          onChange={(e) => {
            setDeny(e.target.value);
            setSaved(false);
          }}
        />
      </div>
      <FormError message={update.error ? errorMessage(update.error) : null} />
      {editable ? (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" data-testid="egress-save" disabled={!changed || update.isPending}>
            {update.isPending ? "Saving…" : "Save lists"}
          </Button>
          {saved && !changed ? (
            <span className="font-medium text-success" data-testid="egress-saved">
              Saved
            </span>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
