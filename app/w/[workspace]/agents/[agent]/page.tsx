import type { Metadata } from "next";
import { AgentDetailPage } from "@/components/agents/agent-detail-page";

export const metadata: Metadata = { title: "Agent" };

export default async function Page({ params }: { params: Promise<{ agent: string }> }) {
  const { agent } = await params;
  return <AgentDetailPage agent={decodeURIComponent(agent)} />;
}
