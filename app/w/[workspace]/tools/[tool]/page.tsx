import type { Metadata } from "next";
import { ToolDetailPage } from "@/components/tools/tool-detail-page";

export const metadata: Metadata = { title: "Tool" };

export default async function Page({ params }: { params: Promise<{ tool: string }> }) {
  const { tool } = await params;
  return <ToolDetailPage tool={decodeURIComponent(tool)} />;
}
