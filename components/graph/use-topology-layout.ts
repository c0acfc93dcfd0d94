import { useMemo } from "react";
import type { TopologyGraph } from "@/lib/topology-graph";
import { layoutTopology } from "@/lib/topology-layout";

export interface NodeBox {
  width: number;
  height: number;
  layerGap: number;
  rowGap: number;
}

/**
 * A topology laid out for a read-only drawing (team editor, live run): each node's fixed React Flow placement, and
 * the most nodes in one layer (for the drawing's height). `box` should be a module constant (it is a memo key).
 */
export function useTopologyLayout(graph: TopologyGraph, box: NodeBox) {
  return useMemo(() => {
    const positions = layoutTopology(graph, { layerGap: box.layerGap, rowGap: box.rowGap });
    const perLayer = new Map<number, number>();
    for (const p of Object.values(positions)) perLayer.set(p.layer, (perLayer.get(p.layer) ?? 0) + 1);
    const placement = (id: string) => ({
      position: { x: positions[id]?.x ?? 0, y: positions[id]?.y ?? 0 },
      width: box.width,
      height: box.height,
      draggable: false,
      selectable: false,
      connectable: false,
    });
    return { placement, rows: Math.max(1, ...perLayer.values()) };
  }, [graph, box]);
}
