import type { Metadata } from "next";
import { DatasetDetailPage } from "@/components/evals/dataset-detail";

export const metadata: Metadata = { title: "Dataset" };

export default async function Page({ params }: { params: Promise<{ dataset: string }> }) {
  const { dataset } = await params;
  return <DatasetDetailPage dataset={decodeURIComponent(dataset)} />;
}
