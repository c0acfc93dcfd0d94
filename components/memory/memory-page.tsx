"use client";

import { LockIcon } from "lucide-react";
import { useState } from "react";
import { CreateDialog } from "@/components/ui/create-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { DocumentIngest } from "./document-ingest";
import { CreateMemoryForm } from "./memory-form";
import { MemoryList } from "./memory-list";
import { MemorySettings } from "./memory-settings";
import { MemorySubjects } from "./memory-subjects";
import { RecallPanel } from "./recall-panel";

const TITLE = "Memory";
const DESCRIPTION =
  "What this workspace remembers, and what agents recall from it: each memory has a scope (the workspace, a team, an agent, a session or a subject such as customer:42), a kind and an importance.";

/**
 * The Memory page: the memories (browse by scope and kind, create, edit, pin, delete) and a test of recall.
 * Tabs: "Memories", "Test recall", "Documents" (document ingestion, ./document-ingest.tsx), "Subjects" (a subject's
 * export and erasure, ./memory-subjects.tsx), "Settings" (TTL, decay, the cap: ./memory-settings.tsx).
 */
export function MemoryPage() {
  const { can, slug } = useWorkspace();
  const [tab, setTab] = useState("memories");
  if (!can("memory:read"))
    return (
      <div className="flex flex-col gap-4">
        <PageHeader className="pb-2" title={TITLE} description={DESCRIPTION} />
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the memory of this workspace." />
      </div>
    );
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        className="pb-2"
        title={TITLE}
        description={DESCRIPTION}
        actions={
          can("memory:write") ? (
            <CreateDialog
              label="New memory"
              title="New memory"
              description="Remember something for agents to recall. It is embedded when saved (a model call, in usage)."
              testId="memory-new"
            >
              {(close) => <CreateMemoryForm onCreated={close} />}
            </CreateDialog>
          ) : null
        }
      />
      <Tabs value={tab} onValueChange={setTab}>
        <TabsList aria-label="Memory">
          <TabsTrigger value="memories" data-testid="memory-tab-memories">
            Memories
          </TabsTrigger>
          <TabsTrigger value="recall" data-testid="memory-tab-recall">
            Test recall
          </TabsTrigger>
          <TabsTrigger value="documents" data-testid="memory-tab-documents">
            Documents
          </TabsTrigger>
          <TabsTrigger value="subjects" data-testid="memory-tab-subjects">
            Subjects
          </TabsTrigger>
          <TabsTrigger value="settings" data-testid="memory-tab-settings">
            Settings
          </TabsTrigger>
        </TabsList>
        {/* mounted while hidden: the filters, the pages loaded and the last recall stay when switching tabs */}
        <TabsContent value="memories" className="pt-2" forceMount hidden={tab !== "memories"}>
          <MemoryList />
        </TabsContent>
        <TabsContent value="recall" className="pt-2" forceMount hidden={tab !== "recall"}>
          <RecallPanel />
        </TabsContent>
        <TabsContent value="documents" className="pt-2" forceMount hidden={tab !== "documents"}>
          <DocumentIngest workspace={slug} />
        </TabsContent>
        <TabsContent value="subjects" className="pt-2" forceMount hidden={tab !== "subjects"}>
          <MemorySubjects />
        </TabsContent>
        <TabsContent value="settings" className="pt-2">
          <MemorySettings />
        </TabsContent>
      </Tabs>
    </div>
  );
}
