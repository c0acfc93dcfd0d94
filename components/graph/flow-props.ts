/** React Flow settings shared by the topology drawings (team editor, live run): a read-only, fitted view. */
export const READ_ONLY_FLOW_PROPS = {
  fitView: true,
  fitViewOptions: { padding: 0.15, maxZoom: 1.1 },
  minZoom: 0.2,
  maxZoom: 1.5,
  nodesDraggable: false,
  nodesConnectable: false,
  elementsSelectable: false,
  nodesFocusable: false,
  edgesFocusable: false,
  zoomOnScroll: false,
  preventScrolling: false,
  panOnScroll: false,
} as const;
