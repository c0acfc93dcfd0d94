"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";

const toText = (list: string[]) => list.join("\n");
const toList = (text: string) => text.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);

/** The workspace's egress allow/deny lists: they narrow what model providers (and later tools, webhooks) may reach. */
export function EgressSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("settings:update");
  const lists = useQuery(trpc.workspaces.egress.queryOptions());
  const [allow, setAllow] = useState("");
  const [deny, setDeny] = useState("");
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (lists.data) {
      setAllow(toText(lists.data.allowHosts));
      setDeny(toText(lists.data.denyHosts));
    }
  }, [lists.data]);

  const update = useMutation(
    trpc.workspaces.updateEgress.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.workspaces.egress.queryKey() });
      },
    }),
  );

  const changed = lists.data ? toText(toList(allow)) !== toText(lists.data.allowHosts) || toText(toList(deny)) !== toText(lists.data.denyHosts) : false;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ allowHosts: toList(allow), denyHosts: toList(deny) });
  }

  return (
    <Card
      title="Outbound requests"
      description="Narrow which hosts model providers may reach from this workspace. One entry per line: a host name, *.domain, an address or a CIDR. Private and local addresses stay closed unless the server's operator allows them (CADRE_EGRESS_ALLOW)."
      testId="egress-settings"
    >
      {lists.isPending ? (
        <Loading />
      ) : lists.error ? (
        <FormError message={errorMessage(lists.error)} />
      ) : (
        <form className="form form-narrow" onSubmit={onSubmit} noValidate>
          <div className="field">
            <label htmlFor="egress-allow">Allowed hosts</label>
            <textarea id="egress-allow" data-testid="egress-allow" rows={3} readOnly={!editable} value={allow} placeholder="api.openai.com" onChange={(e) => { setAllow(e.target.value); setSaved(false); }} />
            <p className="field-hint">Empty: any public host. Otherwise only these.</p>
          </div>
          <div className="field">
            <label htmlFor="egress-deny">Denied hosts</label>
            <textarea id="egress-deny" data-testid="egress-deny" rows={3} readOnly={!editable} value={deny} placeholder="*.example.com" onChange={(e) => { setDeny(e.target.value); setSaved(false); }} />
          </div>
          <FormError message={update.error ? errorMessage(update.error) : null} />
          {editable ? (
            <div className="button-row">
              <button type="submit" className="btn btn-primary" data-testid="egress-save" disabled={!changed || update.isPending}>
                {update.isPending ? "Saving…" : "Save lists"}
              </button>
              {saved && !changed ? <span className="success-text" data-testid="egress-saved">Saved</span> : null}
            </div>
          ) : null}
        </form>
      )}
    </Card>
  );
}
